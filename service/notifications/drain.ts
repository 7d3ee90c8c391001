// Sending what the outbox holds. A drain claims pending rows (a lease in claimedUntil, with
// SKIP LOCKED so parallel drains never take the same row), renders each from its stored facts,
// hands it to the mailer or Twilio and marks it sent. A failed send leaves the row pending for
// the next drain (after MAX_ATTEMPTS it is marked failed); a drain that dies mid-send leaves
// its rows claimed until the lease runs out, then another drain sends them. The one window no
// database closes — the provider accepted it, we died before the UPDATE — can repeat a message.
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import { defineJob, enqueue } from "../jobs/define.ts";
import type { JobSpec } from "../jobs/types.ts";
import type { Email } from "../mail/mailer.ts";
import type { Channel, NotificationKind } from "./kinds.ts";
import type { NotificationPayload } from "./record.ts";
import { sendSms } from "./sms.ts";
import { render, type Rendered } from "./templates/index.ts";
import { replyConfig, replyToFor } from "../threads/reply-address.ts";

const BATCH = 20;
const LEASE_SECONDS = 120;
export const MAX_ATTEMPTS = 8;

interface Claimed {
  id: string;
  kind: NotificationKind;
  channel: Channel;
  payload: NotificationPayload;
  attempts: number;
  recipientId: string;
  email: string;
  name: string;
  phone: string | null;
}

async function claim(ctx: AppContext, skip: string[]): Promise<Claimed[]> {
  return ctx.db.$queryRaw<Claimed[]>`
    WITH picked AS (
      SELECT id FROM "NotificationOutbox"
      WHERE status = 'pending' AND ("claimedUntil" IS NULL OR "claimedUntil" < now())
        AND NOT (id = ANY(${skip}::uuid[]))
      ORDER BY "createdAt"
      LIMIT ${BATCH}
      FOR UPDATE SKIP LOCKED)
    UPDATE "NotificationOutbox" o
    SET "claimedUntil" = now() + make_interval(secs => ${LEASE_SECONDS}), attempts = o.attempts + 1
    FROM picked, "User" u
    WHERE o.id = picked.id AND u.id = o."recipientId"
    RETURNING o.id, o.kind, o.channel, o.payload, o.attempts, o."recipientId", u.email, u.name, u.phone`;
}

async function toEmail(ctx: AppContext, row: Claimed, msg: Rendered): Promise<Email> {
  const inline = [];
  for (const img of msg.inlineImages) {
    const stream = await ctx.storage.get(img.storageKey).catch(() => undefined);
    if (!stream) continue; // a reference deleted since: the email still names it
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
    inline.push({ filename: img.filename, content: Buffer.concat(chunks), contentType: img.contentType, cid: img.cid });
  }
  const replyTo = await replyToFor(ctx, row);
  return {
    to: row.email,
    ...(replyTo ? { replyTo } : {}),
    subject: msg.subject,
    text: msg.text,
    html: msg.html,
    attachments: [...msg.attachments, ...inline],
  };
}

type Outcome = { ok: true; providerId: string } | { ok: false; permanent: boolean; error: string };

async function deliver(ctx: AppContext, row: Claimed): Promise<Outcome> {
  const msg = render(
    row.kind,
    row.payload,
    { id: row.recipientId, name: row.name },
    {
      base: ctx.config.publicUrl,
      replies: Boolean(replyConfig(ctx)),
    },
  );
  if (row.channel === "sms") {
    if (!row.phone) return { ok: false, permanent: true, error: "The person removed their phone number." };
    const r = await sendSms(ctx, row.phone, msg.sms);
    return r.ok ? { ok: true, providerId: r.sid } : r;
  }
  try {
    await ctx.mailer.send(await toEmail(ctx, row, msg));
    return { ok: true, providerId: `${ctx.mailer.mode}:${row.id}` };
  } catch (err) {
    // SMTP 5xx: the server refused this recipient for good; anything else may pass later.
    const code = Number((err as { responseCode?: unknown }).responseCode);
    const permanent = code >= 500 && code < 600;
    return { ok: false, permanent, error: (permanent ? `SMTP ${code}: ` : "") + (err as Error).message.slice(0, 500) };
  }
}

async function settle(ctx: AppContext, row: Claimed, r: Outcome): Promise<void> {
  if (r.ok) {
    await ctx.db.notificationOutbox.update({
      where: { id: row.id },
      data: { status: "sent", sentAt: new Date(), providerId: r.providerId, claimedUntil: null, lastError: null },
    });
    return;
  }
  const giveUp = r.permanent || row.attempts >= MAX_ATTEMPTS;
  await ctx.db.notificationOutbox.update({
    where: { id: row.id },
    data: { status: giveUp ? "failed" : "pending", claimedUntil: null, lastError: r.error },
  });
  ctx.log.warn(
    { notificationId: row.id, kind: row.kind, channel: row.channel, giveUp, err: r.error },
    "notification not sent",
  );
}

export interface DrainCounts {
  sent: number;
  failed: number;
}

/** Sends every pending notification once per call; a row that fails waits for the next drain. */
export async function drainNotifications(ctx: AppContext): Promise<DrainCounts> {
  const counts: DrainCounts = { sent: 0, failed: 0 };
  const tried: string[] = [];
  for (;;) {
    const rows = await claim(ctx, tried);
    if (!rows.length) return counts;
    for (const row of rows) {
      tried.push(row.id);
      const r = await deliver(ctx, row);
      await settle(ctx, row, r);
      counts[r.ok ? "sent" : "failed"]++;
    }
  }
}

export const drainNotificationsJob = defineJob("send-notifications", z.object({}), async (ctx) => {
  const r = await drainNotifications(ctx);
  return { processed: r.sent, failed: r.failed };
});

/** After a commit that recorded notifications: drain now, without holding the caller (inline
 *  mode runs the job right here, so it goes to the background). A lost kick is the sweep's. */
export function kickNotifications(ctx: AppContext): void {
  ctx.background.run(enqueue(ctx, drainNotificationsJob.spec({}), { attempts: 1 }));
}

/** sync-messages sweep: one drain when anything is pending and not claimed (a lost kick, a
 *  crash after commit, a send that failed); its job id keeps the sweep to one at a time. */
export async function notificationSweep(ctx: AppContext): Promise<JobSpec[]> {
  const [row] = await ctx.db.$queryRaw<{ n: number }[]>(Prisma.sql`
    SELECT count(*)::int AS n FROM "NotificationOutbox"
    WHERE status = 'pending' AND ("claimedUntil" IS NULL OR "claimedUntil" < now())`);
  return row && row.n > 0 ? [drainNotificationsJob.spec({}, { jobId: "send-notifications-sweep" })] : [];
}
