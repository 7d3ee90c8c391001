// Twilio's status callbacks for reminder texts. Reminders are not inbox messages, so the
// inbox's applyStatus never finds them; the webhook processor asks here first. The row stays
// `sent` (the text was handed over exactly once, which is what the claim protects); a later
// delivery failure is recorded in `error` with the reason in plain words, for the artist and
// for support. Lookups go by the Twilio SID kept in "providerId".
import type { AppContext } from "../context.ts";
import type { StatusUpdate } from "../providers/kit/webhook.ts";

/** True when the update was about a reminder text (the webhook item is then processed). */
export async function applyReminderDeliveryStatus(ctx: AppContext, update: StatusUpdate): Promise<boolean> {
  if (update.kind !== "message") return false;
  if (update.status !== "failed") {
    const n = await ctx.db.reminder.count({ where: { providerId: update.externalId, channel: "sms" } });
    return n > 0;
  }
  const error = `[delivery] ${update.error ?? "The text could not be delivered."}`.slice(0, 1000);
  const n = await ctx.db.reminder.updateMany({
    where: { providerId: update.externalId, channel: "sms" },
    data: { error },
  });
  return n.count > 0;
}
