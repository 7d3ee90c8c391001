// Appointment reminders and aftercare notes, exactly once per appointment and kind. Importing
// this module registers the `appointment-reminders` cron's job source (plan ranges) and the
// batch job (claim → send → record); see run.ts and sql.ts for how "once" is kept.
import { randomBytes } from "node:crypto";
import { addJobSource, defineJob } from "../jobs/registry.ts";
import { BATCH_JOB, planReminderJobs, runReminderBatch } from "./run.ts";

export { applyReminderDeliveryStatus } from "./delivery.ts";
export { planReminderJobs, runReminderBatch } from "./run.ts";

addJobSource("appointment-reminders", (ctx) => planReminderJobs(ctx));

defineJob(BATCH_JOB, async (ctx, data, job) => {
  const str = (v: unknown) => (typeof v === "string" && v ? v : null);
  const asOfMs = Number(data.asOfMs);
  if (!Number.isFinite(asOfMs)) throw new Error("appointment-reminders-batch: asOfMs is missing");
  // Unique per attempt: a retried job must not inherit the claims of the attempt that died.
  const runId = `${job.id}#${job.attempt}:${randomBytes(4).toString("hex")}`;
  const counts = await runReminderBatch(ctx, { asOfMs, range: { from: str(data.from), to: str(data.to) }, runId });
  return { ...counts };
});
