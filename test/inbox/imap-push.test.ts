// IMAP push (IDLE) end to end: a real Dovecot, real Redis (BullMQ + leases), real Postgres.
// Mail delivered to the mailbox shows in the unified inbox with no cron call and no sync-now;
// the cron's own sync never stores it twice; two workers never IDLE one mailbox and hand
// mailboxes over when one stops; a dropped connection comes back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";
import { isolatedDatabaseUrl, startTestApp, withTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { until } from "../helpers/realtime.ts";
import type { HttpClient } from "../helpers/http.ts";
import { IdleManager, backoffMs } from "../../service/inbox/push/idle-manager.ts";
import { accountSyncs } from "../../service/inbox/jobs.ts";
import { syncAccount } from "../../service/inbox/sync.ts";
import { channelProvider } from "../../service/providers/registry.ts";
import { backendsOf } from "../../cli/steps/env.ts";
import { providerEnv, toProviderAccount } from "../../service/integrations/accounts.ts";

let peer: MailPeer;
let app: TestApp;
let stopWorker: () => Promise<void>;
const managers: IdleManager[] = [];
const mailboxes = [
  { email: "push.one@yahoo.test", pass: "pushpassone1" },
  { email: "push.two@yahoo.test", pass: "pushpasstwo2" },
];
const users: { client: HttpClient; accountId: string }[] = [];

const manager = (owner: string) => {
  const m = new IdleManager(app.ctx, { owner, leaseMs: 2_000, scanMs: 250, backoffBaseMs: 200, backoffMaxMs: 1_000 });
  managers.push(m);
  return m.start();
};
const cron = (path: string) =>
  app.client().post(path, undefined, { authorization: `Bearer ${app.ctx.config.cronSecret}` });
const subjects = async (client: HttpClient): Promise<string[]> => {
  const res = await client.get("/api/inbox/conversations");
  return res.body.items.map((c: { subject: string }) => c.subject);
};
const storedWithSubject = (subject: string) => app.ctx.db.message.count({ where: { conversation: { subject } } });
const idling = (m: IdleManager, id: string) => m.holding().get(id) === true;
const pushRuns = (accountId: string) => app.ctx.db.syncRun.count({ where: { accountId, trigger: "push" } });
/** The catch-up sync a (re)connected IDLE queues has run, and nothing else is queued: mail
 *  delivered after this can only arrive through IDLE's new-mail notice. */
const caughtUp = (accountId: string, pushRunsBefore: number) =>
  until(
    async () => {
      const c = await app.ctx.queue.counts();
      const running = await app.ctx.db.syncRun.count({ where: { accountId, status: "running" } });
      return (await pushRuns(accountId)) > pushRunsBefore && running === 0 && c.waiting + c.active + c.delayed === 0;
    },
    20_000,
    "the catch-up sync",
  );

beforeAll(async () => {
  peer = await startMailPeer();
  for (const m of mailboxes) await peer.addUser(m.email, m.pass);
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), redis: true, env: peer.env() });
  stopWorker = app.ctx.queue.startWorker(app.ctx, 2);
  for (const m of mailboxes) {
    const user = await signedInUser(app, { role: "artist" });
    const res = await user.client.post("/api/integrations/yahoo/connect", { email: m.email, appPassword: m.pass });
    expect(res.status).toBe(201);
    users.push({ client: user.client, accountId: res.body.account.id });
  }
});
afterAll(async () => {
  for (const m of managers) await m.stop();
  await stopWorker?.();
  await app?.close();
  await peer?.close();
});

describe("IMAP push (IDLE)", () => {
  it("shows a delivered message in the inbox with no cron and no sync-now", async () => {
    const a = manager("worker-a");
    const [one, two] = users as [(typeof users)[0], (typeof users)[0]];
    await until(() => idling(a, one.accountId) && idling(a, two.accountId), 15_000, "both mailboxes in IDLE");
    await caughtUp(one.accountId, 0);

    await peer.deliver(mailboxes[0]!.email, {
      from: "Jo <jo@example.test>",
      subject: "Pushed koi",
      text: "Arrived by IDLE",
    });
    await until(async () => (await subjects(one.client)).includes("Pushed koi"), 15_000, "the pushed message");
    expect(await storedWithSubject("Pushed koi")).toBe(1);
    const runs = await app.ctx.db.syncRun.findMany({ where: { accountId: one.accountId } });
    expect(runs.map((r) => r.trigger)).not.toContain("cron");
    expect(runs.map((r) => r.trigger)).not.toContain("manual");
    // The other mailbox's user sees nothing of it.
    expect(await subjects(two.client)).not.toContain("Pushed koi");
  });

  it("stores a message once when the cron syncs at the same time, and the cron only catches up on healthy push", async () => {
    const [one] = users as [(typeof users)[0]];
    // Due for the cron's catch-up, so the cron really syncs this account alongside push.
    await app.ctx.db.connectedAccount.update({
      where: { id: one.accountId },
      data: { lastSyncAt: new Date(Date.now() - 11 * 60_000) },
    });
    await peer.deliver(mailboxes[0]!.email, { from: "Jo <jo@example.test>", subject: "Both paths", text: "once" });
    const [cronRes] = await Promise.all([
      cron("/api/cron/sync-messages"),
      // A second sync path at the same moment (a serverless drain, another worker).
      syncAccount(app.ctx, { accountId: one.accountId, trigger: "cron" }),
    ]);
    expect(cronRes.status).toBe(200);
    await until(async () => (await subjects(one.client)).includes("Both paths"), 15_000, "the message");
    // Let every queued sync finish, then count.
    await until(async () => (await app.ctx.queue.counts()).active === 0, 15_000, "syncs to finish");
    await cron("/api/cron/sync-messages");
    await until(async () => (await app.ctx.queue.counts()).active === 0, 15_000, "syncs to finish");
    expect(await storedWithSubject("Both paths")).toBe(1);

    // Push is healthy and the account synced just now: the cron leaves it to push.
    const planned = (await accountSyncs(app.ctx)).map((s) => (s.data as { accountId: string }).accountId);
    expect(planned).not.toContain(one.accountId);
    // Ten minutes without a sync: the cron polls it again as a catch-up.
    await app.ctx.db.connectedAccount.update({
      where: { id: one.accountId },
      data: { lastSyncAt: new Date(Date.now() - 11 * 60_000) },
    });
    const later = (await accountSyncs(app.ctx)).map((s) => (s.data as { accountId: string }).accountId);
    expect(later).toContain(one.accountId);
  });

  it("says push is on in the readiness details", async () => {
    const body = (await app.client().get("/api/health/ready", { authorization: `Bearer ${app.ctx.config.cronSecret}` }))
      .body;
    expect(body.checks.imapPush).toMatchObject({ ok: true, mode: "on" });
    expect(body.checks.imapPush.note).toMatch(/^IMAP push: on \(1 worker, 2 mailboxes in IDLE\)/);
  });

  it("reconnects after the server drops the connection, and push works again", async () => {
    const [a] = managers as [IdleManager];
    const [one] = users as [(typeof users)[0]];
    const before = await pushRuns(one.accountId);
    await peer.kick(mailboxes[0]!.email);
    await until(() => !idling(a, one.accountId), 10_000, "the drop to be noticed");
    await until(() => idling(a, one.accountId), 15_000, "IDLE again");
    await caughtUp(one.accountId, before);
    await peer.deliver(mailboxes[0]!.email, { from: "Jo <jo@example.test>", subject: "After the drop", text: "hi" });
    await until(async () => (await subjects(one.client)).includes("After the drop"), 15_000, "the message");
    expect(await storedWithSubject("After the drop")).toBe(1);
  });

  it("two workers never IDLE the same mailbox, share them, and one's mailboxes go to the other when it stops", async () => {
    const [a] = managers as [IdleManager];
    const b = manager("worker-b");
    const ids = users.map((u) => u.accountId);
    const overlap: string[] = [];
    const watchOverlap = setInterval(() => {
      for (const id of ids) if (a.holding().has(id) && b.holding().has(id)) overlap.push(id);
    }, 10);
    try {
      // Fair share: one mailbox each.
      await until(
        () => ids.filter((id) => idling(a, id)).length === 1 && ids.filter((id) => idling(b, id)).length === 1,
        20_000,
        "one mailbox per worker",
      );
      const leases = await Promise.all(
        ids.map((id) => app.ctx.redis!.get(`${app.ctx.config.redisPrefix}:imap-idle:lease:${id}`)),
      );
      expect(new Set(leases)).toEqual(new Set(["worker-a", "worker-b"]));

      await a.stop();
      await until(() => ids.every((id) => idling(b, id)), 20_000, "worker b to take both mailboxes");
      expect(a.holding().size).toBe(0);
    } finally {
      clearInterval(watchOverlap);
    }
    expect(overlap).toEqual([]);

    const two = users[1]!;
    await caughtUp(two.accountId, 0);
    await peer.deliver(mailboxes[1]!.email, { from: "Jo <jo@example.test>", subject: "Handed over", text: "b" });
    await until(async () => (await subjects(two.client)).includes("Handed over"), 15_000, "the message via b");
  });

  it("closes IDLE when the account is disconnected or its provider is switched off", async () => {
    const b = managers[1]!;
    const [one, two] = users as [(typeof users)[0], (typeof users)[0]];
    await app.ctx.switches.set("provider.yahoo", false, "push test", "test");
    await until(() => b.holding().size === 0, 10_000, "IDLE closed by the switch");
    await app.ctx.switches.set("provider.yahoo", true, "push test", "test");
    await until(() => idling(b, one.accountId) && idling(b, two.accountId), 15_000, "IDLE back on");

    expect((await one.client.delete(`/api/integrations/${one.accountId}`)).status).toBeLessThan(300);
    await until(() => !b.holding().has(one.accountId), 10_000, "IDLE closed on disconnect");
    expect(idling(b, two.accountId)).toBe(true);
  });
});

describe("the IDLE connection (providers/imap/idle.ts)", () => {
  it("re-issues IDLE after a NOOP on schedule and still hears new mail", async () => {
    const two = users[1]!;
    const row = await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: two.accountId } });
    let notices = 0;
    const watch = await channelProvider("yahoo")!.watch!(providerEnv(app.ctx), toProviderAccount(app.ctx, row), {
      onNewMail: () => notices++,
      refreshMs: 100,
    });
    try {
      // Ten refresh periods go by (each a DONE, NOOP and a new IDLE on the wire)...
      const start = Date.now();
      await until(() => Date.now() - start > 1_000, 5_000, "ten refresh periods");
      await until(() => watch.healthy(), 5_000, "the connection idling");
      // ...and the connection still hears the mailbox.
      await peer.deliver(mailboxes[1]!.email, { from: "Jo <jo@example.test>", subject: "After refreshes", text: "x" });
      await until(() => notices > 0, 10_000, "the new-mail notice");
    } finally {
      await watch.close();
    }
    expect(await watch.closed).toBeUndefined();
    expect(watch.healthy()).toBe(false);
  });
});

describe("without Redis", () => {
  it("readiness says push is off: no long-running worker", async () => {
    await withTestApp({ env: peer.env() }, async (plain) => {
      const body = (
        await plain.client().get("/api/health/ready", { authorization: `Bearer ${plain.ctx.config.cronSecret}` })
      ).body;
      expect(body.checks.imapPush).toEqual({ ok: true, mode: "off", note: "IMAP push: off (no long-running worker)" });
    });
  });

  it("tatu env check names the push mode with the backends", () => {
    expect(backendsOf({}).imapPush).toBe("IMAP push: off (no long-running worker)");
    expect(backendsOf({}).note).toContain("IMAP push: off (no long-running worker)");
    expect(backendsOf({ REDIS_URL: "redis://127.0.0.1:6379" }).imapPush).toMatch(/^IMAP push: on/);
    expect(backendsOf({ REDIS_URL: "redis://127.0.0.1:6379", IMAP_IDLE_MAX_PER_WORKER: "0" }).imapPush).toBe(
      "IMAP push: off (IMAP_IDLE_MAX_PER_WORKER=0)",
    );
  });

  it("reconnect delays grow exponentially with jitter and stay capped", () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffMs(30, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
