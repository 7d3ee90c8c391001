// Reminder batches in bulk: claims that run ahead of the sends, several claims per batch job,
// ranges planned smaller than the work, failures in the middle of a batch, leases lost while
// rows wait. Real Postgres, the official twilio SDK against the Twilio stand-in, the dev
// outbox; every test books its own customers in its own reminder window and counts what
// reached them.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClaimFeed } from "../../service/reminders/feed.ts";
import { noTimes } from "../../service/reminders/profile.ts";
import { planReminderJobs, runReminderBatch, windowsAt } from "../../service/reminders/run.ts";
import { claimNew, renewLease, type ClaimedRow } from "../../service/reminders/sql.ts";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { artist, bookMany, inReminderWindow, type Customer } from "./fixtures/seed.ts";

const ALL = { from: null, to: null };

let twilio: TwilioStandIn;
let app: TestApp;

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  app = await startTestApp({ env: twilio.env(), databaseUrl: await isolatedDatabaseUrl() });
});
afterAll(async () => {
  await app?.close();
  await twilio?.close();
});

const texts = (c: Customer) => twilio.sent().filter((m) => m.to === c.phone);
const run = (asOfMs: number, opts = {}) => runReminderBatch(app.ctx, { asOfMs, range: ALL }, opts);

/** Texts + emails that reached each customer of `list`. */
async function messagesPer(list: Customer[]): Promise<number[]> {
  const mails = await app.ctx.db.devEmail.groupBy({
    by: ["to"],
    where: { to: { in: list.map((c) => c.email) } },
    _count: true,
  });
  const byTo = new Map(mails.map((m) => [m.to, m._count]));
  return list.map((c) => (c.phone ? texts(c).length : 0) + (byTo.get(c.email) ?? 0));
}

async function book(asOf: number, n: number, phone: (i: number) => boolean = (i) => i % 2 === 0) {
  const studio = await artist(app.ctx);
  return bookMany(app.ctx, { artist: studio, n, first: inReminderWindow(asOf, -300), minutes: 5, phone });
}

describe("claims ahead of the sends", () => {
  it("a batch job larger than one claim sends every reminder once, claim after claim, and reports its phases", async () => {
    const asOf = Date.parse("2027-08-02T09:00:00Z");
    const { customers, appointmentIds } = await book(asOf, 120);
    const counts = await run(asOf, { batchSize: 10, concurrency: 3, mailConcurrency: 4 });
    expect(counts).toMatchObject({ claimed: 120, sent: 120, failed: 0, lost: 0, sends: 120 });
    // 12 full claims, then the one that finds nothing (and looks for retries).
    expect(counts.claimStatements).toBeGreaterThanOrEqual(13);
    expect(counts.recordStatements).toBeGreaterThanOrEqual(1);
    for (const k of ["claimMs", "renderMs", "sendMs", "recordMs"] as const) expect(counts[k]).toBeGreaterThanOrEqual(0);
    expect(await messagesPer(customers)).toEqual(customers.map(() => 1));
    const rows = await app.ctx.db.reminder.findMany({ where: { appointmentId: { in: appointmentIds } } });
    expect(rows.filter((r) => r.status === "sent" && r.attempts === 1)).toHaveLength(120);
    // Nothing left: a second run claims nothing.
    expect(await run(asOf, { batchSize: 10 })).toMatchObject({ claimed: 0, reclaimed: 0, sent: 0 });
  });

  it("the cron's ranges, planned smaller than the work, cover every reminder exactly once", async () => {
    const asOf = Date.parse("2027-08-09T09:00:00Z");
    const { customers } = await book(asOf, 50);
    // Jobs of about 7 appointments, each cut into parts of about 3 (one claim each).
    const jobs = await planReminderJobs(app.ctx, asOf, { rangeSize: 7, batchSize: 3 });
    expect(jobs.length).toBeGreaterThanOrEqual(7);
    const data = jobs.map((j) => j.data as { from: string | null; to: string | null; splits: string[] });
    expect(data.every((d) => d.splits.length === 1 || d === data.at(-1))).toBe(true);
    // The ranges run at once, as BullMQ workers would run them.
    const results = await Promise.all(
      data.map((d) =>
        runReminderBatch(
          app.ctx,
          { asOfMs: asOf, range: { from: d.from, to: d.to }, splits: d.splits },
          { batchSize: 3, concurrency: 2 },
        ),
      ),
    );
    expect(results.reduce((n, r) => n + r.claimed, 0)).toBe(50);
    expect(results.reduce((n, r) => n + r.lost, 0)).toBe(0);
    expect(await messagesPer(customers)).toEqual(customers.map(() => 1));
  });
});

describe("failures inside a batch", () => {
  it("one text refused for good and one failing for now do not hold up the rest; the next run retries only the transient one", async () => {
    const asOf = Date.parse("2027-08-16T09:00:00Z");
    const { customers, appointmentIds } = await book(asOf, 40, () => true);
    // Rows are claimed in appointment-id order: the customer who texted STOP is claimed last, so
    // the 10th send (the one the fault below hits) is never theirs — both failures always happen.
    const last = appointmentIds.indexOf([...appointmentIds].sort().at(-1)!);
    const stopped = customers[last]!;
    twilio.optOut(stopped.phone!);
    twilio.failNext(1, { status: 500, match: "POST /2010-04-01", after: 9 });

    const first = await run(asOf, { batchSize: 8, concurrency: 4 });
    expect(first).toMatchObject({ claimed: 40, sent: 38, failed: 2 });
    const failed = await app.ctx.db.reminder.findMany({
      where: { appointmentId: { in: appointmentIds }, status: "failed" },
    });
    expect(failed.map((r) => r.error!.slice(0, 12)).sort()).toEqual(["[permanent] ", "[transient] "]);

    const second = await run(asOf, { batchSize: 8, concurrency: 4 });
    expect(second).toMatchObject({ claimed: 0, reclaimed: 1, sent: 1, failed: 0 });
    expect(texts(stopped)).toHaveLength(0);
    const counts = await messagesPer(customers);
    expect(counts.filter((n, i) => i !== last && n !== 1)).toEqual([]);
    expect(await run(asOf)).toMatchObject({ reclaimed: 0, sent: 0 });
  });

  it("rows another run took over while they waited for a sender are dropped, never sent", async () => {
    const asOf = Date.parse("2027-08-23T09:00:00Z");
    const { customers } = await book(asOf, 12, () => true);
    const w = windowsAt(asOf);
    const runId = `test:${randomUUID()}`;
    const times = noTimes();
    let lost = 0;
    const feed = new ClaimFeed({
      claim: () => claimNew(app.ctx.pg, w, ALL, { runId, limit: 100, smsAvailable: true }),
      renew: (ids) => renewLease(app.ctx.pg, runId, ids),
      lowWater: 0,
      renewAfterMs: -1, // every row's lease is renewed (and checked) right before it is handed out
      times,
      onSkipped: () => undefined,
      onLost: (n) => (lost += n),
    });
    const first = (await feed.next())!;
    // Five of the waiting rows change hands (their lease lapsed and another run re-claimed them).
    const waiting = await app.ctx.db.reminder.findMany({
      where: { claimedBy: runId, id: { not: first.id } },
      take: 5,
    });
    await app.ctx.db.reminder.updateMany({
      where: { id: { in: waiting.map((r) => r.id) } },
      data: { claimedBy: "another-run" },
    });

    const handed: ClaimedRow[] = [first];
    for (let row = await feed.next(); row; row = await feed.next()) handed.push(row);
    expect(lost).toBe(5);
    expect(handed).toHaveLength(7);
    const taken = new Set(waiting.map((r) => r.id));
    expect(handed.filter((r) => taken.has(r.id))).toEqual([]);
    expect(times.claimMs).toBeGreaterThan(0);
    expect(customers).toHaveLength(12);
  });
});
