// kill -9 one of two `npm run worker` processes holding IMAP IDLE connections (real Dovecot):
// its mailbox leases expire and the other worker takes them over, so new mail still arrives
// in the inbox with no cron and no sync-now, stored once. Leases are read from Redis, owners
// from the workers' own "imap push running" log line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { until } from "../helpers/realtime.ts";
import type { HttpClient } from "../helpers/http.ts";
import { spawnWorker, type ServiceProcess } from "./helpers/processes.ts";
import { messageCounts, workerEnv } from "./helpers/scenario.ts";
import { removeDataDir, sharedEnv } from "./helpers/secrets.ts";

const knobs = { IMAP_IDLE_LEASE_SECONDS: "3", WORKER_CONCURRENCY: "2" };
const mailboxes = [
  { email: "chaos.idle.one@yahoo.test", pass: "idlepassone1" },
  { email: "chaos.idle.two@yahoo.test", pass: "idlepasstwo2" },
];
const shared = sharedEnv();
let peer: MailPeer;
let app: TestApp;
const workers: ServiceProcess[] = [];
const accounts: { client: HttpClient; accountId: string }[] = [];

const ownerOf = (w: ServiceProcess) => /"owner":"([^"]+)"[^\n]*imap push running/.exec(w.output())?.[1];
const leaseOf = (accountId: string) => app.ctx.redis!.get(`${app.ctx.config.redisPrefix}:imap-idle:lease:${accountId}`);
const healthy = async (accountId: string) =>
  (await app.ctx.redis!.get(`${app.ctx.config.redisPrefix}:imap-idle:ok:${accountId}`)) !== null;

beforeAll(async () => {
  peer = await startMailPeer();
  for (const m of mailboxes) await peer.addUser(m.email, m.pass);
  app = await startTestApp({
    env: { ...shared, ...peer.env(), ...knobs },
    redis: true,
    databaseUrl: await isolatedDatabaseUrl(),
  });
  for (const m of mailboxes) {
    const user = await signedInUser(app);
    const res = await user.client.post("/api/integrations/yahoo/connect", { email: m.email, appPassword: m.pass });
    expect(res.status).toBe(201);
    accounts.push({ client: user.client, accountId: res.body.account.id });
  }
});

afterAll(async () => {
  for (const w of workers) await w.kill9();
  await app?.close();
  await peer?.close();
  removeDataDir(shared);
});

describe("kill -9 a worker holding IMAP IDLE connections", () => {
  it("the other worker takes its mailboxes over; new mail still arrives by push, once", async () => {
    const env = workerEnv(app, { ...shared, ...peer.env() }, knobs);
    for (let i = 0; i < 2; i++) {
      const w = await spawnWorker(env);
      workers.push(w);
      await w.waitForOutput("imap push running");
    }
    const owners = workers.map(ownerOf);
    expect(owners.every(Boolean)).toBe(true);
    const ids = accounts.map((a) => a.accountId);

    // One mailbox each (fair share), both idling.
    await until(
      async () => {
        const leases = await Promise.all(ids.map(leaseOf));
        return new Set(leases).size === 2 && leases.every((l) => owners.includes(l!));
      },
      30_000,
      "one mailbox per worker",
    );
    await until(async () => (await Promise.all(ids.map(healthy))).every(Boolean), 30_000, "both mailboxes idling");

    // kill -9 the worker holding the first mailbox: no release, its lease has to expire.
    const victimOwner = await leaseOf(ids[0]!);
    const victim = workers[owners.indexOf(victimOwner!)]!;
    const survivorOwner = owners.find((o) => o !== victimOwner)!;
    await victim.kill9();
    await until(
      async () => (await leaseOf(ids[0]!)) === survivorOwner && (await healthy(ids[0]!)),
      30_000,
      "the survivor to take the mailbox over",
    );
    expect(await leaseOf(ids[1]!)).toBe(survivorOwner);

    await peer.deliver(mailboxes[0]!.email, { from: "Jo <jo@example.test>", subject: "After the kill", text: "hi" });
    const subjects = async () =>
      (await accounts[0]!.client.get("/api/inbox/conversations")).body.items.map((c: { subject: string }) => c.subject);
    await until(async () => (await subjects()).includes("After the kill"), 30_000, "the message by push");
    const counts = await messageCounts(app.ctx, { accountId: ids[0]! });
    expect(counts.rows).toBe(counts.distinct);
    const crons = await app.ctx.db.syncRun.count({
      where: { accountId: ids[0]!, trigger: { in: ["cron", "manual"] } },
    });
    expect(crons).toBe(0);

    // The API's readiness counts the live IDLE workers (the dead one's heartbeat has expired).
    const ready = async () =>
      (await app.client().get("/api/health/ready", { authorization: `Bearer ${app.ctx.config.cronSecret}` })).body
        .checks.imapPush.note;
    await until(
      async () => (await ready()) === "IMAP push: on (1 worker, 2 mailboxes in IDLE)",
      30_000,
      "readiness to count one worker",
    );
  });
});
