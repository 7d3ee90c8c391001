// The cron table: the single source for vercel.json's `crons`, the built-in scheduler, the
// cron routes and the cron switches. Schedules are the launch runbook's. Imports nothing, so
// the switches (and the CLI) can read it without the job layer.
export interface CronDef {
  name: string;
  path: string;
  schedule: string;
  description: string;
}

export const crons = [
  {
    name: "sync-messages",
    path: "/api/cron/sync-messages",
    schedule: "*/10 * * * *",
    description: "Enqueue a mailbox/social sync for every connected account.",
  },
  {
    name: "sync-calendars",
    path: "/api/cron/sync-calendars",
    schedule: "*/15 * * * *",
    description: "Enqueue a calendar sync for every connected calendar.",
  },
  {
    name: "worker-sync",
    path: "/api/worker/sync",
    schedule: "*/5 * * * *",
    description: "Enqueue message syncs, then drain queued jobs for a bounded time (serverless worker).",
  },
  {
    name: "appointment-reminders",
    path: "/api/cron/appointment-reminders",
    schedule: "0 9 * * *",
    description: "Send the day's appointment reminders.",
  },
  {
    name: "notify-replies",
    path: "/api/cron/notify-replies",
    schedule: "* * * * *",
    description: "Read replies to notification emails (NOTIFY_REPLY_IMAP_URL) into their booking threads.",
  },
] as const satisfies readonly CronDef[];

export type CronName = (typeof crons)[number]["name"];
export const cronNames = crons.map((c) => c.name) as CronName[];
