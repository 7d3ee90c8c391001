// The job catalog: every job kind declared once with its payload schema, looked up by name.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jobCatalog } from "../../service/jobs/catalog.ts";
import { createCatalog, defineJob } from "../../service/jobs/define.ts";

describe("job catalog", () => {
  it("lists every job the service enqueues, and a source for every fan-out cron", () => {
    for (const name of [
      "sync-account",
      "send-message",
      "process-webhook",
      "process-webhooks",
      "sync-calendar",
      "calendar-write",
      "appointment-reminders-batch",
    ])
      expect(jobCatalog.job(name)?.name).toBe(name);
    expect(jobCatalog.job("no-such-job")).toBeUndefined();
    for (const cron of ["sync-messages", "sync-calendars", "appointment-reminders"] as const)
      expect(jobCatalog.sources(cron).length).toBeGreaterThan(0);
  });

  it("parses a stored payload with the job's schema (defaults applied, wrong shapes refused)", () => {
    const sync = jobCatalog.job("sync-account")!;
    expect(sync.parse({ accountId: "a1" })).toEqual({ ok: true, data: { accountId: "a1", trigger: "cron" } });
    const bad = sync.parse({ accountId: 42 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/accountId/);
  });

  it("refuses a job name twice; with() adds jobs and sources after the existing ones", async () => {
    const a = defineJob("a", z.object({}), async () => undefined);
    expect(() => createCatalog({ jobs: [a, a] })).toThrow(/"a" is in the catalog twice/);
    const first = async () => [a.spec({})];
    const second = async () => [];
    const base = createCatalog({ jobs: [a], sources: { "sync-messages": [first] } });
    const more = base.with({
      jobs: [defineJob("b", z.object({}), async () => undefined)],
      sources: { "sync-messages": [second], "sync-calendars": [second] },
    });
    expect(more.job("b")?.name).toBe("b");
    expect(more.sources("sync-messages")).toEqual([first, second]);
    expect(more.sources("sync-calendars")).toEqual([second]);
    expect(base.sources("sync-calendars")).toEqual([]);
    expect(() => base.with({ jobs: [a] })).toThrow(/twice/);
  });
});
