// The built-in scheduler (single-process installs) runs the same crons on vercel.json's schedules.
import { afterAll, beforeAll, expect, it } from "vitest";
import { crons } from "../../service/jobs/cron-table.ts";
import { startScheduler } from "../../service/jobs/scheduler.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";

let app: TestApp;
// Own database: switches and cron runs are global state other files change.
beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl() });
});
afterAll(async () => {
  await app?.close();
});

it("schedules every cron in UTC with its runbook schedule", () => {
  const scheduler = startScheduler(app.ctx);
  try {
    expect(scheduler.jobs.map((j) => [j.name, j.getPattern()])).toEqual(crons.map((c) => [c.name, c.schedule]));
    const from = new Date("2026-11-25T08:59:30Z");
    const next = (name: string) =>
      scheduler.jobs
        .find((j) => j.name === name)!
        .nextRun(from)!
        .toISOString();
    expect(next("appointment-reminders")).toBe("2026-11-25T09:00:00.000Z");
    expect(next("sync-messages")).toBe("2026-11-25T09:00:00.000Z");
    expect(next("sync-calendars")).toBe("2026-11-25T09:00:00.000Z");
    expect(next("worker-sync")).toBe("2026-11-25T09:00:00.000Z");
    expect(
      scheduler.jobs
        .find((j) => j.name === "sync-calendars")!
        .nextRun(new Date("2026-11-25T09:00:30Z"))!
        .toISOString(),
    ).toBe("2026-11-25T09:15:00.000Z");
  } finally {
    scheduler.stop();
  }
});

it("a scheduled tick runs the cron handler and records it like a route call", async () => {
  const scheduler = startScheduler(app.ctx);
  // Only the manual tick counts: at a quarter past the hour the real schedule would fire too.
  for (const job of scheduler.jobs) job.pause();
  try {
    const before = await app.ctx.db.jobRun.count({ where: { kind: "cron", name: "sync-calendars", status: "ok" } });
    await scheduler.jobs.find((j) => j.name === "sync-calendars")!.trigger();
    expect(await app.ctx.db.jobRun.count({ where: { kind: "cron", name: "sync-calendars", status: "ok" } })).toBe(
      before + 1,
    );
  } finally {
    scheduler.stop();
  }
});
