// Appointment reminders and aftercare, exactly once: real Postgres, the official twilio SDK
// against the Twilio stand-in, the dev outbox for email, the real cron route. Each test books
// its own customers and counts what reached *them* (stand-in texts, DevEmail rows), since one
// run processes everything due in the database.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyReminderDeliveryStatus } from "../../service/reminders/delivery.ts";
import { localDate, localTime, reminderText } from "../../service/reminders/message.ts";
import { runReminderBatch } from "../../service/reminders/run.ts";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { until } from "../helpers/realtime.ts";
import { appointment, artist, bookMany, customer, inReminderWindow, service, type Customer } from "./fixtures/seed.ts";

const CHILD = fileURLToPath(new URL("./fixtures/batch-child.ts", import.meta.url));
const ALL = { from: null, to: null };

let twilio: TwilioStandIn;
let app: TestApp;
let databaseUrl: string;

beforeAll(async () => {
  twilio = await startTwilioStandIn();
  databaseUrl = await isolatedDatabaseUrl();
  app = await startTestApp({ env: twilio.env(), databaseUrl });
});
afterAll(async () => {
  await app?.close();
  await twilio?.close();
});

const texts = (c: Customer) => twilio.sent().filter((m) => m.to === c.phone);
const emails = (c: Customer) => app.ctx.db.devEmail.findMany({ where: { to: c.email }, orderBy: { createdAt: "asc" } });
const reminders = (appointmentIds: string[]) =>
  app.ctx.db.reminder.findMany({ where: { appointmentId: { in: appointmentIds } } });
const run = (asOfMs: number, opts = {}) => runReminderBatch(app.ctx, { asOfMs, range: ALL }, opts);

/** Texts + emails per customer: every customer of `list` must have exactly `n`. */
async function messagesPer(list: Customer[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of list) out[c.email] = (c.phone ? texts(c).length : 0) + (await emails(c)).length;
  return out;
}

describe("who gets what, and what it says", () => {
  // Thursday 14 January 2027, 09:00 UTC: reminders for Friday the 15th (09:00 UTC onward).
  const asOf = Date.parse("2027-01-14T09:00:00Z");

  it("texts customers with a phone, emails the others, skips opted-out ones, times in the artist's zone", async () => {
    const berlin = await artist(app.ctx, { displayName: "Nadelwerk Berlin", timeZone: "Europe/Berlin" });
    const nyc = await artist(app.ctx, { displayName: "Lower East Ink", timeZone: "America/New_York" });
    const texted = await customer(app.ctx, { phone: true, name: "Lena Vogel" });
    const mailed = await customer(app.ctx, { name: "Sam Ortiz" });
    const optedOut = await customer(app.ctx, { phone: true, optOut: true });
    const notDue = await customer(app.ctx, { phone: true });

    const a1 = await appointment(app.ctx, {
      artist: berlin,
      customer: texted,
      start: new Date("2027-01-15T13:30:00Z"),
    });
    const a2 = await appointment(app.ctx, { artist: nyc, customer: mailed, start: new Date("2027-01-15T18:00:00Z") });
    const a3 = await appointment(app.ctx, {
      artist: berlin,
      customer: optedOut,
      start: new Date("2027-01-15T16:00:00Z"),
    });
    // Not due: too far ahead, awaiting a deposit, cancelled.
    await appointment(app.ctx, { artist: berlin, customer: notDue, start: new Date("2027-01-16T10:00:00Z") });
    await appointment(app.ctx, {
      artist: nyc,
      customer: notDue,
      start: new Date("2027-01-15T10:00:00Z"),
      status: "pending_deposit",
    });
    await appointment(app.ctx, {
      artist: nyc,
      customer: notDue,
      start: new Date("2027-01-15T20:00:00Z"),
      status: "cancelled",
    });

    const counts = await run(asOf);
    expect(counts).toMatchObject({ claimed: 3, sent: 2, optedOut: 1, failed: 0 });

    const [sms] = texts(texted);
    expect(texts(texted)).toHaveLength(1);
    expect(sms!.from).toBe(twilio.env().TWILIO_PHONE_NUMBER);
    expect(sms!.body).toBe(
      "Hi Lena, this is a reminder from Nadelwerk Berlin: your appointment is on Friday 15 January at 14:30 CET. If you need to reschedule, please contact Nadelwerk Berlin as soon as possible.",
    );
    expect(sms!.statusCallback).toBe(`${app.ctx.config.publicUrl}/api/webhooks/twilio/status`);

    const mail = await emails(mailed);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe(
      "Reminder: your appointment with Lower East Ink on Friday, January 15 at 1:00 PM EST",
    );
    expect(mail[0]!.text).toContain("your appointment is on Friday, January 15 at 1:00 PM EST");

    expect(texts(optedOut)).toHaveLength(0);
    expect(await emails(optedOut)).toHaveLength(0);
    expect(texts(notDue)).toHaveLength(0);
    expect(await emails(notDue)).toHaveLength(0);

    const rows = new Map((await reminders([a1.id, a2.id, a3.id])).map((r) => [r.appointmentId, r]));
    expect(rows.get(a1.id)).toMatchObject({
      kind: "reminder",
      channel: "sms",
      status: "sent",
      providerId: sms!.sid,
      attempts: 1,
      error: null,
    });
    expect(rows.get(a1.id)!.sentAt).toBeInstanceOf(Date);
    expect(rows.get(a2.id)).toMatchObject({ kind: "reminder", channel: "email", status: "sent", attempts: 1 });
    expect(rows.get(a3.id)).toMatchObject({ status: "skipped", sentAt: null, providerId: null });

    // A second run the same day sends nothing more.
    expect(await run(asOf)).toMatchObject({ claimed: 0, reclaimed: 0, sent: 0 });
    expect(texts(texted)).toHaveLength(1);
    expect(await emails(mailed)).toHaveLength(1);
  });

  it("sends aftercare for sessions (or no service) that ended in the last 24 hours, not for consultations", async () => {
    const studio = await artist(app.ctx, { displayName: "Black Lotus", timeZone: "Europe/Berlin" });
    const session = await service(app.ctx, studio.id, "session");
    const consultation = await service(app.ctx, studio.id, "consultation");
    const tattooed = await customer(app.ctx, { phone: true, name: "Mia" });
    const noService = await customer(app.ctx, { name: "Jo" });
    const consulted = await customer(app.ctx, { phone: true });
    const longAgo = await customer(app.ctx, { phone: true });

    await appointment(app.ctx, {
      artist: studio,
      customer: tattooed,
      start: new Date("2027-01-13T15:00:00Z"),
      minutes: 240,
      serviceId: session.id,
      status: "completed",
    });
    await appointment(app.ctx, {
      artist: studio,
      customer: noService,
      start: new Date("2027-01-13T12:00:00Z"),
      minutes: 120,
    });
    await appointment(app.ctx, {
      artist: studio,
      customer: consulted,
      start: new Date("2027-01-13T10:00:00Z"),
      minutes: 60,
      serviceId: consultation.id,
    });
    await appointment(app.ctx, {
      artist: studio,
      customer: longAgo,
      start: new Date("2027-01-12T10:00:00Z"),
      minutes: 60,
      serviceId: session.id,
    });

    await run(asOf);
    expect(texts(tattooed)).toHaveLength(1);
    expect(texts(tattooed)[0]!.body).toMatch(
      /^Hi Mia, thank you for your session with Black Lotus on Wednesday 13 January\. Aftercare: Keep the wrap on .* wash gently .*Contact Black Lotus\.$/,
    );
    const mail = await emails(noService);
    expect(mail.map((m) => m.subject)).toEqual(["Aftercare for your new tattoo from Black Lotus"]);
    expect(texts(consulted)).toHaveLength(0);
    expect(texts(longAgo)).toHaveLength(0);
  });

  it("shows local time across daylight saving time in Berlin and New York", () => {
    const winter = new Date("2027-01-15T13:30:00Z");
    const summer = new Date("2027-07-15T13:30:00Z");
    expect(localTime(winter, "Europe/Berlin")).toBe("14:30 CET");
    expect(localTime(summer, "Europe/Berlin")).toBe("15:30 CEST");
    expect(localTime(winter, "America/New_York")).toBe("8:30 AM EST");
    expect(localTime(summer, "America/New_York")).toBe("9:30 AM EDT");
    // Late evening UTC is already the next day in Berlin and still the same day in New York.
    const late = new Date("2027-07-15T23:30:00Z");
    expect(localDate(late, "Europe/Berlin")).toBe("Friday 16 July");
    expect(localDate(late, "America/New_York")).toBe("Thursday, July 15");
    expect(
      reminderText({
        kind: "reminder",
        start: late,
        end: late,
        timeZone: "Not/AZone",
        artistName: "X",
        customerName: "",
      }),
    ).toContain("Thursday 15 July at 23:30 UTC");
  });

  it("uses email for everyone while the Twilio kill switch is off", async () => {
    const asOfK = Date.parse("2027-02-01T09:00:00Z");
    const studio = await artist(app.ctx);
    const c = await customer(app.ctx, { phone: true });
    await appointment(app.ctx, { artist: studio, customer: c, start: inReminderWindow(asOfK) });
    await app.ctx.switches.set("provider.twilio", false, "test", "test");
    try {
      await run(asOfK);
    } finally {
      await app.ctx.switches.set("provider.twilio", true, null, "test");
    }
    expect(texts(c)).toHaveLength(0);
    expect(await emails(c)).toHaveLength(1);
  });
});

describe("exactly once under races", () => {
  it("the cron route fired twice at once sends each customer exactly one message", async () => {
    const now = Date.now();
    const studio = await artist(app.ctx);
    const { customers: people, appointmentIds: ids } = await bookMany(app.ctx, {
      artist: studio,
      n: 40,
      first: inReminderWindow(now, -240),
      minutes: 30,
      phone: (i) => i % 2 === 0,
    });
    const bearer = { authorization: `Bearer ${app.ctx.config.cronSecret}` };
    const [a, b] = await Promise.all([
      app.client().get("/api/cron/appointment-reminders", bearer),
      app.client().get("/api/cron/appointment-reminders", bearer),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body).toMatchObject({ cron: "appointment-reminders", skipped: false, counts: { failed: 0 } });
    expect(b.body).toMatchObject({ cron: "appointment-reminders", skipped: false, counts: { failed: 0 } });

    expect(Object.values(await messagesPer(people))).toEqual(people.map(() => 1));
    const rows = await reminders(ids);
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
    expect(rows.filter((r) => r.channel === "sms")).toHaveLength(20);
  });

  it("two batch runs over the same range at once split the work, one claim each", async () => {
    const asOf = Date.parse("2027-02-10T09:00:00Z");
    const studio = await artist(app.ctx);
    const { customers: people } = await bookMany(app.ctx, {
      artist: studio,
      n: 60,
      first: inReminderWindow(asOf, -300),
      minutes: 20,
      phone: (i) => i % 3 !== 0,
    });
    // renewAfterMs 0: every send first renews the lease, so that path runs under the race too.
    const [x, y] = await Promise.all([
      run(asOf, { batchSize: 5, concurrency: 2, renewAfterMs: 0 }),
      run(asOf, { batchSize: 5, concurrency: 2, renewAfterMs: 0 }),
    ]);
    expect(x.lost + y.lost).toBe(0);
    expect(x.claimed + y.claimed).toBe(60);
    expect(x.sent + y.sent).toBe(60);
    expect(Object.values(await messagesPer(people))).toEqual(people.map(() => 1));
  });
});

describe("crashes and failures", () => {
  it("a worker killed mid-run: the next runs send the rest, nothing twice, nothing missing", {
    timeout: 120_000,
  }, async () => {
    const asOf = Date.parse("2027-03-10T09:00:00Z");
    const studio = await artist(app.ctx);
    const { customers: people, appointmentIds: ids } = await bookMany(app.ctx, {
      artist: studio,
      n: 300,
      first: inReminderWindow(asOf, -300),
      minutes: 4,
      phone: (i) => i % 3 !== 0,
    });
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, String(asOf), "child-run", "1", "50"], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: "test",
        DATABASE_URL: databaseUrl,
        TATU_DATA_DIR: app.ctx.config.dataDir,
        TATU_SCHEDULER: "off",
        LOG_LEVEL: "silent",
        NEXTAUTH_URL: app.ctx.config.publicUrl,
        ...twilio.env(),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );

    // Kill while a claimed batch is being sent: some rows sent, some claimed and unsent.
    const state = async () => {
      const byStatus = await app.ctx.db.reminder.groupBy({
        by: ["status"],
        where: { appointmentId: { in: ids } },
        _count: true,
      });
      return Object.fromEntries(byStatus.map((g) => [g.status, g._count])) as Record<string, number>;
    };
    await until(
      async () => {
        const s = await state();
        return ((s.sent ?? 0) >= 60 && (s.claimed ?? 0) > 0) || child.exitCode !== null;
      },
      60_000,
      "the child to send some reminders",
    );
    child.kill("SIGKILL");
    expect(await exited, `child exited on its own: ${output}`).toBe("SIGKILL");
    const atKill = await state();
    expect(atKill.claimed).toBeGreaterThan(0);
    expect(atKill.sent).toBeLessThan(300);

    // Right away, a new run sends everything never claimed but leaves the dead run's fresh claims alone.
    const second = await run(asOf);
    expect(second.reclaimed).toBe(0);
    expect((await state()).claimed).toBe(atKill.claimed);

    // Ten minutes later the claims are stale (aged here the way time would): two runs at
    // once take them over, each row by one run; texts that did reach Twilio before the
    // kill are found there and recorded, not sent again.
    await app.ctx.db.$executeRawUnsafe(
      `UPDATE "Reminder" SET "claimedAt" = "claimedAt" - interval '11 minutes' WHERE status = 'claimed' AND "appointmentId" = ANY($1::uuid[])`,
      ids,
    );
    const [p, q] = await Promise.all([run(asOf), run(asOf)]);
    expect(p.reclaimed + q.reclaimed).toBe(atKill.claimed);
    expect(p.sent + q.sent + p.alreadySent + q.alreadySent).toBe(atKill.claimed);

    expect(await state()).toEqual({ sent: 300 });
    expect(Object.values(await messagesPer(people))).toEqual(people.map(() => 1));
    const retried = (await reminders(ids)).filter((r) => r.attempts > 1);
    expect(retried).toHaveLength(atKill.claimed!);
  });

  it("a crash after the provider accepted but before we recorded it: the retry finds the earlier message", async () => {
    const asOf = Date.parse("2027-04-01T09:00:00Z");
    const studio = await artist(app.ctx);
    const texted = await customer(app.ctx, { phone: true });
    const mailed = await customer(app.ctx);
    const a = await appointment(app.ctx, { artist: studio, customer: texted, start: inReminderWindow(asOf) });
    const b = await appointment(app.ctx, { artist: studio, customer: mailed, start: inReminderWindow(asOf, 120) });
    await run(asOf);
    const sid = texts(texted)[0]!.sid;
    // Exactly what a kill between "Twilio/outbox accepted" and our UPDATE leaves behind.
    await app.ctx.db.reminder.updateMany({
      where: { appointmentId: { in: [a.id, b.id] } },
      data: { status: "claimed", providerId: null, sentAt: null, claimedAt: new Date(Date.now() - 11 * 60_000) },
    });
    const again = await run(asOf);
    expect(again).toMatchObject({ reclaimed: 2, alreadySent: 2, sent: 0 });
    expect(texts(texted)).toHaveLength(1);
    expect(await emails(mailed)).toHaveLength(1);
    const rows = new Map((await reminders([a.id, b.id])).map((r) => [r.appointmentId, r]));
    expect(rows.get(a.id)).toMatchObject({ status: "sent", providerId: sid, attempts: 2 });
    expect(rows.get(b.id)).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("a Twilio 500 marks the reminder failed; the next run retries it; one text in total", async () => {
    const asOf = Date.parse("2027-05-03T09:00:00Z");
    const studio = await artist(app.ctx);
    const c = await customer(app.ctx, { phone: true });
    const a = await appointment(app.ctx, { artist: studio, customer: c, start: inReminderWindow(asOf) });
    twilio.failNext(1, { status: 500, match: "POST /2010-04-01" });

    expect(await run(asOf)).toMatchObject({ claimed: 1, sent: 0, failed: 1 });
    const failed = await app.ctx.db.reminder.findFirstOrThrow({ where: { appointmentId: a.id } });
    expect(failed).toMatchObject({ status: "failed", attempts: 1, providerId: null });
    expect(failed.error).toMatch(/^\[transient\] TWILIO_20500: Twilio could not be reached/);
    expect(texts(c)).toHaveLength(0);

    expect(await run(asOf)).toMatchObject({ claimed: 0, reclaimed: 1, sent: 1, failed: 0 });
    expect(texts(c)).toHaveLength(1);
    expect(await app.ctx.db.reminder.findFirstOrThrow({ where: { appointmentId: a.id } })).toMatchObject({
      status: "sent",
      attempts: 2,
      error: null,
      providerId: texts(c)[0]!.sid,
    });

    expect(await run(asOf)).toMatchObject({ claimed: 0, reclaimed: 0, sent: 0 });
    expect(texts(c)).toHaveLength(1);
  });

  it("a permanent refusal (the customer texted STOP) is recorded and not retried", async () => {
    const asOf = Date.parse("2027-05-10T09:00:00Z");
    const studio = await artist(app.ctx);
    const c = await customer(app.ctx, { phone: true });
    const a = await appointment(app.ctx, { artist: studio, customer: c, start: inReminderWindow(asOf) });
    twilio.optOut(c.phone!);
    expect(await run(asOf)).toMatchObject({ failed: 1 });
    expect(await run(asOf)).toMatchObject({ reclaimed: 0 });
    const row = await app.ctx.db.reminder.findFirstOrThrow({ where: { appointmentId: a.id } });
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    expect(row.error).toMatch(/^\[permanent\] TWILIO_UNSUBSCRIBED: This person texted STOP/);
  });

  it("a later delivery failure from Twilio's status callback is recorded on the sent reminder", async () => {
    const asOf = Date.parse("2027-06-01T09:00:00Z");
    const studio = await artist(app.ctx);
    const c = await customer(app.ctx, { phone: true });
    const a = await appointment(app.ctx, { artist: studio, customer: c, start: inReminderWindow(asOf) });
    await run(asOf);
    const sid = texts(c)[0]!.sid;
    expect(
      await applyReminderDeliveryStatus(app.ctx, {
        kind: "message",
        externalId: sid,
        status: "delivered",
        at: new Date(),
      }),
    ).toBe(true);
    expect(
      await applyReminderDeliveryStatus(app.ctx, {
        kind: "message",
        externalId: sid,
        status: "failed",
        at: new Date(),
        error: "The phone is switched off or out of reach.",
      }),
    ).toBe(true);
    expect(await app.ctx.db.reminder.findFirstOrThrow({ where: { appointmentId: a.id } })).toMatchObject({
      status: "sent",
      error: "[delivery] The phone is switched off or out of reach.",
    });
    expect(
      await applyReminderDeliveryStatus(app.ctx, {
        kind: "message",
        externalId: "SM00000000000000000000000000000000",
        status: "failed",
        at: new Date(),
      }),
    ).toBe(false);
  });
});
