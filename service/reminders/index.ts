// Appointment reminders and aftercare notes, exactly once per appointment and kind: the
// `appointment-reminders` cron's job source (plan ranges) and the batch job (claim → send →
// record), both listed in jobs/catalog.ts; see run.ts and sql.ts for how "once" is kept.
import type { AppContext } from "../context.ts";
import { planReminderJobs } from "./run.ts";

export { applyReminderDeliveryStatus } from "./delivery.ts";
export { planReminderJobs, reminderBatchJob, runReminderBatch } from "./run.ts";

/** appointment-reminders: one batch job per planned range. */
export const reminderBatches = (ctx: AppContext) => planReminderJobs(ctx);
