// Cron routes, their switches, provider kill switches, and the admin switches API.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { jobCatalog } from "../../service/jobs/catalog.ts";
import { crons } from "../../service/jobs/cron-table.ts";
import { defineJob } from "../../service/jobs/define.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";

// A feature's contribution to the message-sync cron: one job per "account".
let sourceCalls = 0;
const synced: string[] = [];
const testSyncAccount = defineJob("test-sync-account", z.object({ account: z.string() }), async (_ctx, data) => {
  synced.push(data.account);
  return { messages: 1 };
});
const jobs = jobCatalog.with({
  jobs: [testSyncAccount],
  sources: {
    "sync-messages": [
      async () => {
        sourceCalls++;
        return [
          testSyncAccount.spec({ account: "gmail-1" }, { provider: "gmail" }),
          testSyncAccount.spec({ account: "twilio-1" }, { provider: "twilio" }),
        ];
      },
    ],
  },
});

let app: TestApp;
const ADMIN = "ops-admin@example.test";
beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), env: { ADMIN_EMAILS: ADMIN }, jobs });
});
afterAll(async () => {
  await app?.close();
});
const bearer = () => ({ authorization: `Bearer ${app.ctx.config.cronSecret}` });

describe("cron routes", () => {
  it("vercel.json schedules exactly the runbook's crons, all served by the app", () => {
    const vercel = JSON.parse(fs.readFileSync("vercel.json", "utf8"));
    expect(vercel.crons).toEqual([
      { path: "/api/cron/sync-messages", schedule: "*/10 * * * *" },
      { path: "/api/cron/sync-calendars", schedule: "*/15 * * * *" },
      { path: "/api/worker/sync", schedule: "*/5 * * * *" },
      { path: "/api/cron/appointment-reminders", schedule: "0 9 * * *" },
      { path: "/api/cron/notify-replies", schedule: "* * * * *" },
    ]);
    expect(vercel.crons).toEqual(crons.map((c) => ({ path: c.path, schedule: c.schedule })));
  });

  it.each(crons.map((c) => c.path))("%s requires the CRON_SECRET bearer (401 otherwise)", async (path) => {
    expect((await app.client().get(path)).status).toBe(401);
    const wrong = await app.client().get(path, { authorization: "Bearer not-the-secret" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("CRON_UNAUTHORIZED");
    expect((await app.client().get(path, bearer())).status).toBe(200);
  });

  it("sync-messages enqueues one job per connected account (inline here) and records the run", async () => {
    synced.length = 0;
    const res = await app.client().get("/api/cron/sync-messages", bearer());
    expect(res.body).toMatchObject({ cron: "sync-messages", skipped: false, counts: { done: 2, failed: 0 } });
    expect(synced.sort()).toEqual(["gmail-1", "twilio-1"]);
    const run = await app.ctx.db.jobRun.findFirstOrThrow({
      where: { kind: "cron", name: "sync-messages" },
      orderBy: { startedAt: "desc" },
    });
    expect(run.status).toBe("ok");
    expect(run.finishedAt).toBeInstanceOf(Date);
  });

  it("a disabled cron answers 200 {skipped:true, reason:'disabled'} and does nothing", async () => {
    await app
      .client()
      .put("/api/admin/switches/cron.sync-messages", { enabled: false, reason: "rollback drill" }, bearer());
    const calls = sourceCalls;
    const res = await app.client().get("/api/cron/sync-messages", bearer());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ skipped: true, reason: "disabled" });
    expect(sourceCalls).toBe(calls);
    expect(
      (
        await app.ctx.db.jobRun.findFirstOrThrow({
          where: { kind: "cron", name: "sync-messages" },
          orderBy: { startedAt: "desc" },
        })
      ).status,
    ).toBe("skipped");

    await app.client().put("/api/admin/switches/cron.sync-messages", { enabled: true }, bearer());
    expect((await app.client().get("/api/cron/sync-messages", bearer())).body.skipped).toBe(false);
  });

  it("a provider kill switch skips only that provider's work", async () => {
    await app
      .client()
      .put("/api/admin/switches/provider.twilio", { enabled: false, reason: "Twilio webhook storm" }, bearer());
    synced.length = 0;
    const res = await app.client().get("/api/cron/sync-messages", bearer());
    expect(res.body.counts).toMatchObject({ done: 1, skipped: 1 });
    expect(synced).toEqual(["gmail-1"]);
    await app.client().put("/api/admin/switches/provider.twilio", { enabled: true }, bearer());
  });
});

describe("admin switches API", () => {
  it("lists every cron and provider switch (on by default)", async () => {
    const res = await app.client().get("/api/admin/switches", bearer());
    expect(res.status).toBe(200);
    const names = res.body.switches.map((s: { name: string }) => s.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "cron.sync-messages",
        "cron.sync-calendars",
        "cron.worker-sync",
        "cron.appointment-reminders",
        "provider.gmail",
        "provider.outlook",
        "provider.yahoo",
        "provider.facebook",
        "provider.instagram",
        "provider.twitter",
        "provider.twilio",
      ]),
    );
  });

  it("refuses anonymous (401) and non-admin users (403)", async () => {
    expect((await app.client().get("/api/admin/switches")).status).toBe(401);
    const { client } = await signedInUser(app);
    expect((await client.get("/api/admin/switches")).status).toBe(403);
    expect((await client.put("/api/admin/switches/cron.sync-messages", { enabled: false })).status).toBe(403);
  });

  it("lets an admin session flip a switch, recording who and why", async () => {
    const { client } = await signedInUser(app, { email: ADMIN });
    const res = await client.put("/api/admin/switches/cron.sync-calendars", {
      enabled: false,
      reason: "Google 5xx spike",
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: "cron.sync-calendars",
      enabled: false,
      reason: "Google 5xx spike",
      updatedBy: ADMIN,
    });
    expect((await app.client().get("/api/cron/sync-calendars", bearer())).body).toMatchObject({
      skipped: true,
      reason: "disabled",
    });
    await client.put("/api/admin/switches/cron.sync-calendars", { enabled: true });
  });

  it("records the operator name sent by the CLI with the bearer", async () => {
    const res = await app
      .client()
      .put(
        "/api/admin/switches/provider.gmail",
        { enabled: true, reason: "re-enable" },
        { ...bearer(), "x-tatu-operator": "Rita (release commander)" },
      );
    expect(res.body.updatedBy).toBe("Rita (release commander)");
  });

  it("keeps an append-only history of switch changes: who, when, reason, before/after", async () => {
    const flip = (enabled: boolean, reason: string, headers: Record<string, string> = bearer()) =>
      app.client().put("/api/admin/switches/provider.square", { enabled, reason }, headers);
    expect(
      (await flip(false, "Square 5xx", { ...bearer(), "x-tatu-operator": "Rita (release commander)" })).status,
    ).toBe(200);
    expect((await flip(true, "Square recovered")).status).toBe(200);

    const res = await app.client().get("/api/admin/switches/history?name=provider.square", bearer());
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual([
      {
        id: expect.any(String),
        name: "provider.square",
        at: expect.any(String),
        by: "cron-secret",
        reason: "Square recovered",
        before: { enabled: false },
        after: { enabled: true },
      },
      {
        id: expect.any(String),
        name: "provider.square",
        at: expect.any(String),
        by: "Rita (release commander)",
        reason: "Square 5xx",
        before: { enabled: true },
        after: { enabled: false },
      },
    ]);
    expect(Date.parse(res.body.changes[1].at)).toBeLessThanOrEqual(Date.parse(res.body.changes[0].at));
    // An admin session reads it too (signed up by the test above); a plain user does not.
    const admin = app.client();
    expect((await admin.post("/api/auth/login", { email: ADMIN, password: PASSWORD })).status).toBe(200);
    expect((await admin.get("/api/admin/switches/history?kind=provider")).body.changes[0]).toMatchObject({
      name: "provider.square",
      reason: "Square recovered",
    });
    const { client: user } = await signedInUser(app);
    expect((await user.get("/api/admin/switches/history")).status).toBe(403);

    // Read-only over HTTP, and the table itself refuses UPDATE and DELETE.
    expect((await app.client().get("/api/admin/switches/history")).status).toBe(401);
    expect((await app.client().get("/api/admin/switches/history?limit=0", bearer())).status).toBe(400);
    expect((await app.client().get("/api/admin/switches/history?name=cron.nope", bearer())).status).toBe(404);
    expect((await app.client().request("DELETE", "/api/admin/switches/history", { headers: bearer() })).status).toBe(
      404,
    );
    await expect(app.ctx.db.switchChange.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(app.ctx.db.switchChange.updateMany({ data: { by: "someone else" } })).rejects.toThrow(/append-only/);
    expect(await app.ctx.db.switchChange.count({ where: { name: "provider.square" } })).toBe(2);
  });

  it("answers 404 for an unknown switch and 400 for a bad body", async () => {
    const unknown = await app.client().put("/api/admin/switches/cron.nope", { enabled: false }, bearer());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/Unknown switch/);
    const bad = await app.client().put("/api/admin/switches/cron.sync-messages", { enabled: "no" }, bearer());
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.enabled).toBeDefined();
  });
});
