// Everything the engine asks a person, behind one interface (the inquirer implementation
// below; tests drive it through a pseudo-terminal).
import { confirm, input, select } from "@inquirer/prompts";
import type { Step, StepChoice, StepResult } from "../steps/types.ts";
import type { RunbookItem } from "./parse.ts";

export type ManualAnswer =
  | { action: "done"; by: string; at: string; note: string }
  | { action: "skip"; reason: string }
  | { action: "fail"; note?: string };

export type FailureChoice = { action: "retry" } | { action: "skip"; reason: string } | { action: "fail" };

export interface Prompter {
  confirmManual(item: RunbookItem, operator: string): Promise<ManualAnswer>;
  onFailure(item: RunbookItem, result: StepResult): Promise<FailureChoice>;
  confirmDestructive(item: RunbookItem, step: Step): Promise<boolean>;
  /** The value of a step's choice (which provider to disable), picked from its options. */
  choose(item: RunbookItem, step: Step, choice: StepChoice): Promise<string>;
  overrideGate(
    item: RunbookItem,
    failed: string[],
    releaseCommander: string | undefined,
  ): Promise<{ by: string; reason: string } | undefined>;
  /** A gate whose items are all done: the Release Commander says GO or NO-GO (with a reason). */
  decideGate(
    item: RunbookItem,
    releaseCommander: string,
  ): Promise<{ decision: "go"; by: string } | { decision: "no-go"; by: string; reason: string }>;
  signoff(item: RunbookItem, releaseCommander: string): Promise<boolean>;
  reason(message: string): Promise<string>;
}

const required = (what: string) => (v: string) => (v.trim() ? true : `${what} is required`);

export const inquirerPrompter: Prompter = {
  async confirmManual(item, operator) {
    const action = await select({
      message: `${item.id} — ${item.text}`,
      choices: [
        { name: "Done — confirm it", value: "done" },
        { name: "Not done — record it as failed", value: "fail" },
        { name: "Skip — with a reason", value: "skip" },
      ],
    });
    if (action === "skip") return { action, reason: await this.reason(`Why is ${item.id} skipped?`) };
    if (action === "fail") return { action, note: await input({ message: "What is missing? (optional)" }) };
    const by = await input({ message: "Confirmed by", default: operator, validate: required("a name") });
    const at = await input({
      message: "When (done at)",
      default: new Date().toISOString().slice(0, 16).replace("T", " ") + "Z",
      validate: required("a time"),
    });
    const note = await input({ message: "Note (optional)" });
    return { action: "done", by: by.trim(), at: at.trim(), note: note.trim() };
  },
  async onFailure(item, result) {
    const action = await select({
      message: `${item.id} failed: ${result.summary}`,
      choices: [
        { name: "Retry", value: "retry" },
        { name: "Keep it failed and continue (the next gate decides)", value: "fail" },
        { name: "Skip — with a reason", value: "skip" },
      ],
    });
    if (action === "skip") return { action, reason: await this.reason(`Why is ${item.id} skipped?`) };
    return { action } as FailureChoice;
  },
  confirmDestructive(item, step) {
    return confirm({
      message: `${item.id} runs ${step.id} (${step.title}), which changes production. Run it now?`,
      default: false,
    });
  },
  choose(item, step, choice) {
    return select({
      message: `${item.id} runs ${step.id}: ${choice.question}?`,
      choices: choice.options.map((o) => ({ name: o, value: o })),
    });
  },
  async overrideGate(item, failed, rc) {
    const wants = await confirm({
      message: `${item.id} is NO-GO (not done: ${failed.join(", ")}). Override as the Release Commander${rc ? ` (${rc})` : ""}?`,
      default: false,
    });
    if (!wants) return undefined;
    const by = await input({ message: "Release Commander name", validate: required("the Release Commander's name") });
    const reason = await this.reason("Reason for the override");
    return { by: by.trim(), reason };
  },
  async decideGate(item, rc) {
    const decision = await select({
      message: `${item.id} — ${item.text} Every required item is done. Your decision, ${rc}:`,
      choices: [
        { name: "GO", value: "go" },
        { name: "NO-GO — stop the launch here", value: "no-go" },
      ],
    });
    const by = (
      await input({
        message: "Release Commander name",
        default: rc,
        validate: required("the Release Commander's name"),
      })
    ).trim();
    if (decision === "go") return { decision, by };
    return { decision: "no-go", by, reason: await this.reason("Why NO-GO?") };
  },
  signoff(item, rc) {
    return confirm({ message: `${item.text} — sign off as ${rc}?`, default: false });
  },
  async reason(message) {
    return (await input({ message, validate: required("a reason") })).trim();
  },
};
