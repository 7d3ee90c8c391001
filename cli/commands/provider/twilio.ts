// tatu provider twilio assign <number> <email> | unassign <number> | list: which artist may
// connect which number of the server's own Twilio account (TWILIO_*). Through the admin API
// (bearer CRON_SECRET), like the switches; an assignment to someone else disconnects the
// previous holder of that number.
import { z } from "zod";
import { CliExit, EXIT } from "../../output/exit-codes.ts";
import { AdminApi } from "../../clients/tatu-admin-api.ts";
import { exitCodeOf, guarded, pass } from "../../steps/results.ts";
import type { StepResult } from "../../steps/types.ts";
import type { CommandBody } from "../action.ts";
import type { Invocation } from "../invocation.ts";

const E164 = /^\+[1-9]\d{6,14}$/;
const numberArg = (raw: string) => {
  const v = raw.trim();
  if (!E164.test(v)) throw new CliExit(EXIT.usage, `"${raw}" is not an E.164 phone number (e.g. +15551234567).`);
  return v;
};
const emailArg = (raw: string) => {
  const r = z.email().safeParse(raw.trim());
  if (!r.success) throw new CliExit(EXIT.usage, `"${raw}" is not an email address.`);
  return r.data;
};

async function outcome(run: Invocation, verb: string, body: (api: AdminApi) => Promise<StepResult>) {
  const ctx = run.stepContext(run.baseUrl);
  const api = new AdminApi(ctx.baseUrl, ctx.env, ctx.operator);
  const result = await guarded(() => body(api));
  const step = { id: `provider.twilio.${verb}`, title: `Twilio numbers: ${verb}`, ...result };
  return { command: run.name, exitCode: exitCodeOf([step]), steps: [step] };
}

export const twilioAssign: CommandBody = async (run, [rawNumber, rawEmail]) => {
  const number = numberArg(rawNumber!),
    email = emailArg(rawEmail!);
  return outcome(run, "assign", async (api) => {
    const r = await api.assignTwilioNumber(number, email);
    return pass(
      `${number} assigned to ${r.assignment.email}${r.disconnected ? ` (${r.disconnected} other connection(s) disconnected)` : ""} (by ${run.operator})`,
      r,
    );
  });
};

export const twilioUnassign: CommandBody = async (run, [rawNumber]) => {
  const number = numberArg(rawNumber!);
  if (!(await run.confirm(`Unassign ${number} (its studio stops receiving texts on it)?`)))
    throw new CliExit(EXIT.usage, "not confirmed: nothing changed");
  return outcome(run, "unassign", async (api) => {
    const r = await api.unassignTwilioNumber(number);
    return pass(
      `${number} unassigned${r.disconnected ? ` (${r.disconnected} connection(s) disconnected)` : ""} (by ${run.operator})`,
      r,
    );
  });
};

export const twilioList: CommandBody = (run) =>
  outcome(run, "list", async (api) => {
    const r = await api.twilioNumbers();
    const lines = r.items.map((a) => `${a.phoneNumber} → ${a.email}${a.connected ? " (connected)" : ""}`);
    return pass(r.items.length ? lines.join(", ") : "no number is assigned", r);
  });
