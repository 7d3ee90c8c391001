// The reminder benchmark's baseline, measured in the same run: the same messages rendered and
// handed to the same channels (the twilio SDK against a fresh stand-in process, the dev
// outbox) with the same bounded concurrency, but with nothing claimed and nothing recorded.
// A reminder run cannot beat it on this machine; "run ÷ floor" is what the exactly-once
// bookkeeping costs, and it moves far less with the machine's other load than seconds do.
import { performance } from "node:perf_hooks";
import type pg from "pg";
import type { AppContext } from "../service/context.ts";
import { Channels, render } from "../service/reminders/send.ts";
import { Slots } from "../service/reminders/slots.ts";
import type { ClaimedRow } from "../service/reminders/sql.ts";

export interface Floor {
  wallMs: number;
  texts: number;
  emails: number;
  failed: number;
}

/** Every due appointment of the seeded data as the claim statement would hand it over
 *  (opted-out customers left out: a run sends them nothing). */
async function dueRows(db: pg.Client, asOfMs: number): Promise<ClaimedRow[]> {
  const { rows } = await db.query<ClaimedRow>(
    `
    SELECT a.id::text, a.id::text AS "appointmentId",
      CASE WHEN a.start > to_timestamp($1::float8 / 1000.0) AT TIME ZONE 'UTC' THEN 'reminder' ELSE 'aftercare' END AS kind,
      CASE WHEN COALESCE(cu.phone, '') <> '' THEN 'sms' ELSE 'email' END AS channel,
      'claimed' AS status, 1 AS attempts,
      (extract(epoch FROM a.start) * 1000)::float8 AS "startMs", (extract(epoch FROM a."end") * 1000)::float8 AS "endMs",
      COALESCE(ap."timeZone", a."timeZone") AS "timeZone", COALESCE(NULLIF(ap."displayName", ''), au.name) AS "artistName",
      cu.email, cu.name AS "customerName", cu.phone, NULL::float8 AS "prevClaimedMs"
    FROM "Appointment" a
    JOIN "User" cu ON cu.id = a."customerId" JOIN "User" au ON au.id = a."artistId"
    LEFT JOIN "ArtistProfile" ap ON ap."userId" = a."artistId"
    WHERE NOT cu."remindersOptOut"`,
    [asOfMs],
  );
  return rows;
}

/** Renders and sends every due message once, `concurrency` texts and `mailConcurrency` emails at a time. */
export async function measureFloor(
  ctx: AppContext,
  db: pg.Client,
  o: { asOfMs: number; concurrency: number; mailConcurrency: number },
): Promise<Floor> {
  const rows = await dueRows(db, o.asOfMs);
  const channels = new Channels(ctx);
  const slots = { sms: new Slots(o.concurrency), email: new Slots(o.mailConcurrency) };
  const floor: Floor = { wallMs: 0, texts: 0, emails: 0, failed: 0 };
  let next = 0;
  const sender = async () => {
    for (let row = rows[next++]; row; row = rows[next++]) {
      const slot = slots[row.channel];
      await slot.take();
      try {
        const out = await channels.send(row, render(row));
        if (!out.ok) floor.failed++;
        else if (row.channel === "sms") floor.texts++;
        else floor.emails++;
      } finally {
        slot.give();
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.concurrency + o.mailConcurrency }, sender));
  floor.wallMs = performance.now() - t0;
  return floor;
}
