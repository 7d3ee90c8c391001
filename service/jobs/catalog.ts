// Every job the queue runs and every cron job source, listed once. A new job or source is a
// line here: nothing registers itself by being imported.
import { depositStripeEvents } from "../booking/deposit-webhooks.ts";
import { onStripeEvent } from "../providers/stripe/webhook.ts";
import { calendarSyncs, calendarWriteJob, calendarWriteSweep, syncCalendarJob } from "../calendars/jobs.ts";
import { accountSyncs, outboxSweep, syncAccountJob } from "../inbox/jobs.ts";
import { sendMessageJob } from "../inbox/send.ts";
import { drainNotificationsJob, notificationSweep } from "../notifications/index.ts";
import { reminderBatches, reminderBatchJob } from "../reminders/index.ts";
import { pollRepliesJob, replyPolls } from "../threads/poller.ts";
import { processWebhookJob, processWebhooksJob, webhookSweep } from "../webhooks/jobs.ts";
import { createCatalog } from "./define.ts";

export const jobCatalog = createCatalog({
  jobs: [
    syncAccountJob,
    sendMessageJob,
    processWebhookJob,
    processWebhooksJob,
    syncCalendarJob,
    calendarWriteJob,
    reminderBatchJob,
    drainNotificationsJob,
    pollRepliesJob,
  ],
  sources: {
    "sync-messages": [accountSyncs, outboxSweep, webhookSweep, notificationSweep],
    "sync-calendars": [calendarSyncs, calendarWriteSweep],
    "appointment-reminders": [reminderBatches],
    "notify-replies": [replyPolls],
  },
});

// Stripe events the features act on, with the jobs: boot() loads this file in every process.
for (const [type, handler] of depositStripeEvents) onStripeEvent(type, handler);
