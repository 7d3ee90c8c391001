// Two API replicas and two queue workers on one PostgreSQL and one Redis (scripts/cluster.ts):
// a session works on either replica, a webhook taken by replica A reaches a WebSocket held by
// replica B, every mailbox is synced by one worker at a time, and crons called on both
// replicas at once still do each piece of work once. Ground truth from PostgreSQL and the
// provider stand-ins, not from the service's own answers.
import { DateTime } from "luxon";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "../../scripts/cluster.ts";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { signedInUser, PASSWORD, latestVerificationToken } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, REDIS_URL, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { HttpClient } from "../helpers/http.ts";
import { openSocket, until } from "../helpers/realtime.ts";

let cluster: Cluster;
let google: GoogleStandIn;
let meta: MetaStandIn;
let db: pg.Client;
let A: string, B: string;

/** What the account helpers need of an app: a client on replica A. */
const onA = () => ({ client: () => new HttpClient(A) }) as unknown as TestApp;
const cron = (base: string, name: string) =>
  fetch(`${base}/api/cron/${name}`, { headers: { authorization: `Bearer ${cluster.env.CRON_SECRET}` } }).then(
    async (r) => ({ status: r.status, body: await r.json() }),
  );

/** Browser hop through OAuth: our /auth on one replica, the provider, our /callback on the other. */
async function connectVia(client: HttpClient, route: string, callbackBase: string) {
  const start = await client.raw("GET", `/api/integrations/${route}/auth`);
  expect(start.status).toBe(302);
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = new URL(consent.headers.get("location")!);
  const done = await client.at(callbackBase).raw("GET", callback.pathname + callback.search);
  expect(done.status).toBe(303);
}

beforeAll(async () => {
  [google, meta] = await Promise.all([startGoogleStandIn(), startMetaStandIn()]);
  const databaseUrl = await isolatedDatabaseUrl();
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  cluster = await startCluster({
    databaseUrl,
    redisUrl: REDIS_URL,
    replicas: 2,
    workers: 2,
    env: { ...google.env(), ...meta.env(), RATE_LIMIT_SIGNUP: "1000/10m" },
  });
  [A, B] = cluster.replicas.map((r) => r.url) as [string, string];
}, 120_000);

afterAll(async () => {
  await cluster?.close();
  await db?.end();
  await Promise.all([google?.close(), meta?.close()]);
});

describe("two replicas, two workers", () => {
  it("a session started on one replica works on the other, and logging out on either ends it", async () => {
    const email = uniqueEmail("cluster");
    const a = new HttpClient(A);
    expect(
      (await a.post("/api/auth/signup", { email, password: PASSWORD, name: "Cluster Kim", role: "customer" })).status,
    ).toBe(201);
    const token = await latestVerificationToken(onA(), email);
    expect((await new HttpClient(B).get(`/api/auth/verify-email?token=${token}`)).status).toBe(200);
    expect((await a.post("/api/auth/login", { email, password: PASSWORD })).status).toBe(200);
    const b = a.at(B);
    expect((await b.get("/api/auth/me")).body.user.email).toBe(email);
    expect((await b.post("/api/auth/logout")).status).toBeLessThan(300);
    expect((await a.get("/api/auth/me")).status).toBe(401);
  });

  it("a Messenger message taken by replica A is pushed to the artist's WebSocket on replica B", async () => {
    const artist = await signedInUser(onA(), { role: "artist" });
    const owner = meta.addUser({ name: "Scale Owner" });
    const page = meta.addPage(owner.id, { name: "Scale Tattoo" });
    meta.consentAs(owner.id);
    await connectVia(artist.client, "facebook", B); // OAuth state made on A, checked on B
    const socket = await openSocket(B, artist.client.at(B));
    try {
      const msg = meta.customerMessage(page.id, { psid: newPsid(), name: "Ray", text: "Across replicas?" });
      expect((await meta.postWebhook(`${A}/api/webhooks/facebook`, msg)).status).toBe(200);
      const pushed = await socket.waitFor((e) => e.type === "message.created" && e.channel === "facebook", 15_000);
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM "Message" m JOIN "Conversation" c ON c.id = m."conversationId" WHERE c.id = $1`,
        [pushed.conversationId],
      );
      expect(rows[0].n).toBe(1);
    } finally {
      socket.close();
    }
  });

  it("crons called on both replicas at once: each mailbox synced by one worker at a time, every message stored once", async () => {
    const mailboxes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const artist = await signedInUser(onA(), { role: "artist" });
      const mailbox = `scale${i}.${Date.now()}@gmail.test`;
      google.addMailbox(mailbox, { name: `Scale ${i}` });
      for (let m = 0; m < 120; m++)
        await google.deliver(mailbox, {
          from: `fan${m}@example.test`,
          subject: `Idea ${m}`,
          text: `Tattoo idea number ${m}`,
        });
      google.consentAs(mailbox);
      await connectVia(artist.client, "google", i % 2 ? A : B);
      mailboxes.push(mailbox);
    }
    // Three rounds, each cron call sent to both replicas at the same moment.
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([cron(A, "sync-messages"), cron(B, "sync-messages")]);
      for (const a of answers) expect(a.status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
    }
    const accounts = (await db.query(`SELECT id, address FROM "ConnectedAccount" WHERE provider = 'gmail'`)).rows as {
      id: string;
      address: string;
    }[];
    expect(accounts.map((a) => a.address).sort()).toEqual([...mailboxes].sort());
    const stored = async (id: string) =>
      (
        await db.query(
          `SELECT count(*)::int AS n, count(DISTINCT "externalId")::int AS d FROM "Message" WHERE "accountId" = $1`,
          [id],
        )
      ).rows[0] as { n: number; d: number };
    await until(
      async () => {
        for (const a of accounts) if ((await stored(a.id)).d < google.messages(a.address).length) return false;
        return (await db.query(`SELECT count(*)::int AS n FROM "SyncRun" WHERE "finishedAt" IS NULL`)).rows[0].n === 0;
      },
      60_000,
      "every mailbox synced",
    );
    for (const a of accounts) {
      const s = await stored(a.id);
      expect(s).toEqual({ n: google.messages(a.address).length, d: google.messages(a.address).length });
      // Never two sync runs of one account overlapping in time (the per-account lease + job id).
      const runs = (
        await db.query(`SELECT "startedAt", "finishedAt" FROM "SyncRun" WHERE "accountId" = $1 ORDER BY "startedAt"`, [
          a.id,
        ])
      ).rows as { startedAt: Date; finishedAt: Date }[];
      expect(runs.length).toBeGreaterThan(0);
      for (let i = 1; i < runs.length; i++)
        expect(runs[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(runs[i - 1]!.finishedAt.getTime());
    }
  });

  it("the reminder cron hit on both replicas at once sends each customer's reminder once", async () => {
    const artist = await signedInUser(onA(), { role: "artist" });
    const zone = "Europe/Berlin";
    const week = Object.fromEntries(
      ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start: "00:00", end: "24:00" }]]),
    );
    expect(
      (
        await artist.client.put("/api/me/artist-profile", {
          displayName: "Scale Artist",
          timeZone: zone,
          workingHours: week,
          bufferMinutes: 0,
        })
      ).status,
    ).toBeLessThan(300);
    const service = await artist.client.post("/api/me/artist-profile/services", {
      kind: "session",
      name: "Session",
      durationMinutes: 60,
    });
    expect(service.status).toBe(201);
    const customers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const customer = await signedInUser(onA(), { role: "customer" });
      const start = DateTime.now()
        .plus({ hours: 30 + i * 2 })
        .startOf("hour")
        .toUTC()
        .toISO()!;
      const req = await customer.client.post("/api/bookings/requests", {
        artistId: artist.userId,
        idea: `Piece ${i}`,
        placement: "arm",
        size: "10 cm",
      });
      expect(
        (
          await artist.client.post(`/api/bookings/requests/${req.body.id}/offer`, {
            serviceId: service.body.id,
            slots: [{ start }],
          })
        ).status,
      ).toBeLessThan(300);
      expect((await customer.client.post(`/api/bookings/requests/${req.body.id}/accept`, { start })).body.status).toBe(
        "confirmed",
      );
      customers.push(customer.email);
    }
    const answers = await Promise.all([
      cron(A, "appointment-reminders"),
      cron(B, "appointment-reminders"),
      cron(A, "appointment-reminders"),
      cron(B, "appointment-reminders"),
    ]);
    for (const a of answers) expect(a.status).toBe(200);
    const reminders = async () =>
      (
        await db.query(
          `SELECT "to", count(*)::int AS n FROM "DevEmail" WHERE "to" = ANY($1) AND subject ILIKE '%reminder%' GROUP BY "to"`,
          [customers],
        )
      ).rows as { to: string; n: number }[];
    await until(async () => (await reminders()).length === customers.length, 30_000, "a reminder for every customer");
    await new Promise((r) => setTimeout(r, 1000)); // give a duplicate time to show up
    expect((await reminders()).map((r) => r.n)).toEqual(customers.map(() => 1));
  });
});
