// An interactive run in a real pseudo-terminal (util-linux `script`): the operator answers the
// inquirer prompts — manual confirmation with who/when/note, a failed step skipped with a reason,
// a blocked gate overridden by the Release Commander, the final sign-off.
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, onlyRun, removeSandboxes, ROLES, sandbox, TARGET, type Sandbox } from "./runbook-helpers.ts";

afterAll(removeSandboxes);

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's ANSI escapes
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r/g;
const ENTER = "\r";
const DOWN = "\x1b[B";

/** Starts the CLI inside a pty; `answer(prompt, keys)` waits for the prompt text, then types. */
function terminal(sb: Sandbox, args: string[]) {
  const cmd = ["node", BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const env: Record<string, string> = { ...sb.env, TERM: "xterm", TEST_SLOW_MS: "0" };
  delete env.CI; // interactive only outside CI
  // A wide terminal, so prompts are not wrapped at 80 columns.
  const child = execa("script", ["-qfec", `stty cols 250 rows 50; exec ${cmd}`, "/dev/null"], {
    cwd: sb.dir,
    env,
    extendEnv: false,
    reject: false,
    stdin: "pipe",
  });
  let screen = "";
  let consumed = 0;
  child.stdout!.on("data", (d: Buffer) => {
    screen += d.toString("utf8");
  });
  return {
    child,
    text: () => screen.replace(ANSI, ""),
    async answer(prompt: RegExp, keys: string) {
      const end = Date.now() + 20_000;
      for (;;) {
        const rest = screen.replace(ANSI, "").slice(consumed);
        const m = prompt.exec(rest);
        if (m) {
          consumed += m.index + m[0].length;
          break;
        }
        if (Date.now() > end || child.exitCode !== null)
          throw new Error(`prompt ${prompt} never appeared; screen:\n${screen.replace(ANSI, "")}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 150)); // let inquirer attach to the input
      for (const k of keys) child.stdin!.write(k); // keys one by one, like a person
    },
  };
}

describe("interactive run in a terminal", () => {
  it("confirms a manual item with who/when/note and signs off at the prompt", async () => {
    const sb = sandbox();
    const t = terminal(sb, ["runbook", "run", "demo", ...TARGET]);
    await t.answer(/first\.manual — A person confirms this\./, ENTER); // "Done — confirm it"
    await t.answer(/Confirmed by/, "Grace Hopper" + ENTER);
    await t.answer(/When \(done at\)/, ENTER); // the default: now
    await t.answer(/Note \(optional\)/, "checked the dashboard" + ENTER);
    // Every item done, and still the gate waits for a person's GO.
    await t.answer(/first\.gate — \*\*Go\/No-Go\*\*\. Every required item is done\. Your decision, tester:/, ENTER); // GO
    await t.answer(/Release Commander name/, ENTER); // the default: tester
    await t.answer(/sign off as tester\?/, "y" + ENTER);
    const res = await t.child;
    expect(res.exitCode, t.text()).toBe(0);
    expect(onlyRun(sb).log.find((e) => e.type === "gate")).toMatchObject({ decision: "go", approvedBy: "tester" });
    expect(t.text()).toMatch(/demo: GO/);
    const run = onlyRun(sb);
    expect(run.state.items["first.manual"]).toMatchObject({
      outcome: "confirmed",
      confirmedBy: "Grace Hopper",
      note: "checked the dashboard",
    });
    expect(run.state.items["first.manual"].confirmedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\dZ$/);
    expect(run.log.find((e) => e.type === "signoff")).toMatchObject({ decision: "signed" });
  }, 60_000);

  it("records a NO-GO at a gate whose items are all done: who and why, and the run stops there", async () => {
    const sb = sandbox();
    const t = terminal(sb, ["runbook", "run", "demo", ...TARGET]);
    await t.answer(/first\.manual — A person confirms this\./, ENTER);
    await t.answer(/Confirmed by/, ENTER);
    await t.answer(/When \(done at\)/, ENTER);
    await t.answer(/Note \(optional\)/, ENTER);
    await t.answer(/Your decision, tester:/, DOWN + ENTER); // NO-GO
    await t.answer(/Release Commander name/, ENTER);
    await t.answer(/Why NO-GO\?/, "support team not staffed yet" + ENTER);
    const res = await t.child;
    expect(res.exitCode, t.text()).toBe(1);
    expect(t.text()).toMatch(/NO-GO by tester: support team not staffed yet/);
    const run = onlyRun(sb);
    expect(run.state.items["first.gate"]).toMatchObject({ outcome: "blocked" });
    expect(run.state.items["last.ok"]).toBeUndefined();
    expect(run.log.find((e) => e.type === "gate")).toMatchObject({
      decision: "no-go",
      by: "tester",
      reason: "support team not staffed yet",
    });
    expect(run.md).toMatch(/first\.gate.*NO-GO by tester: support team not staffed yet/);
  }, 60_000);

  it("skips a failed step with a reason and lets the Release Commander override the gate", async () => {
    const sb = sandbox();
    const t = terminal(sb, ["runbook", "run", "failing", ...TARGET, ...ROLES]);
    await t.answer(/check\.broken failed: it broke/, DOWN + DOWN + ENTER); // "Skip — with a reason"
    await t.answer(/Why is check\.broken skipped\?/, "known issue in the stand-in" + ENTER);
    await t.answer(/check\.optional — Optional manual\./, DOWN + ENTER); // "Not done"
    await t.answer(/What is missing\?/, ENTER);
    await t.answer(
      /check\.gate is NO-GO \(not done: check\.unknown\)\. Override as the Release Commander \(Ada\)\?/,
      "y" + ENTER,
    );
    await t.answer(/Release Commander name/, "Ada" + ENTER);
    await t.answer(/Reason for the override/, "step ships tomorrow" + ENTER);
    await t.answer(/sign off as Ada\?/, "y" + ENTER);
    const res = await t.child;
    expect(res.exitCode, t.text()).toBe(0);
    const run = onlyRun(sb);
    expect(run.state.items["check.broken"]).toMatchObject({
      outcome: "skipped",
      reason: "known issue in the stand-in",
    });
    expect(run.state.items["check.optional"]).toMatchObject({ outcome: "failed" }); // optional: does not block
    expect(run.state.items["check.gate"]).toMatchObject({
      outcome: "overridden",
      overriddenBy: "Ada",
      reason: "step ships tomorrow",
    });
  }, 60_000);
});
