// The inbound half of a channel smoke: a fresh message from outside reaches the unified inbox.
// Email: the CLI mails the connected address from a second test mailbox (TATU_SMOKE_SENDER_SMTP_URL).
// SMS: a second Twilio test number (TATU_SMOKE_SENDER_TWILIO_*) texts the studio number.
// Facebook, Instagram, X — an account cannot message itself: a person sends a one-time code
// from the test user (the rehearsal's stand-in customer does it), and the smoke waits until
// exactly that message arrives. Without a terminal and without a customer: "needs a person".
import { randomInt } from "node:crypto";
import nodemailer from "nodemailer";
import { providersWithWebhooks } from "../../service/providers/catalog.ts";
import { DEFAULT_API_BASE } from "../../service/providers/kit/twilio/config.ts";
import { rebasedTwilioClient } from "../../service/providers/kit/twilio/session.ts";
import { describeResponse, type HttpSession } from "../clients/http.ts";
import { envValue } from "../environment.ts";
import type { StepContext } from "./types.ts";

export type InboundKind = "email" | "sms" | "person";

export interface InboundAccount {
  id: string;
  provider: string;
  address: string | null;
  aliasLabel?: string | null;
}

export interface InboundItem {
  name: "inbound";
  ok: boolean;
  note: string;
  /** Nobody could send the code (no terminal, no customer): exit 2 rather than a failure. */
  needsPerson?: boolean;
  /** The conversation the fresh message landed in (the reply goes there). */
  conversationId?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inboundItem = (ok: boolean, note: string, extra: Partial<InboundItem> = {}): InboundItem => ({
  name: "inbound",
  ok,
  note,
  ...extra,
});

function waitSeconds(ctx: StepContext, kind: InboundKind): number {
  const asked = Number(envValue(ctx.env, "TATU_SMOKE_INBOUND_SECONDS"));
  if (Number.isFinite(asked) && asked > 0) return asked;
  return kind === "person" ? 300 : 60;
}

/** A fresh code per check, so only this message can satisfy it. */
const oneTimeCode = () => `TATU-${randomInt(100_000, 1_000_000)}`;

async function sendMail(ctx: StepContext, to: string, code: string): Promise<string | undefined> {
  const url = envValue(ctx.env, "TATU_SMOKE_SENDER_SMTP_URL");
  if (!url) return "set TATU_SMOKE_SENDER_SMTP_URL (a second test mailbox) so the smoke can mail the connected address";
  const from = envValue(ctx.env, "TATU_SMOKE_SENDER_EMAIL") ?? decodeURIComponent(new URL(url).username);
  try {
    await nodemailer.createTransport(url).sendMail({
      from,
      to,
      subject: `Tatu inbound smoke ${code}`,
      text: `Tatu launch smoke test: this mail checks that new mail reaches the unified inbox. Code ${code}. Please ignore.`,
    });
    return undefined;
  } catch (err) {
    return `the sender mailbox could not send to ${to}: ${(err as Error).message.split("\n")[0]}`;
  }
}

async function sendText(ctx: StepContext, to: string, code: string): Promise<string | undefined> {
  const accountSid = envValue(ctx.env, "TATU_SMOKE_SENDER_TWILIO_ACCOUNT_SID");
  const authToken = envValue(ctx.env, "TATU_SMOKE_SENDER_TWILIO_AUTH_TOKEN");
  const from = envValue(ctx.env, "TATU_SMOKE_SENDER_TWILIO_NUMBER");
  if (!accountSid || !authToken || !from)
    return "set TATU_SMOKE_SENDER_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _NUMBER (a second Twilio test number) so the smoke can text the studio number";
  const base = (envValue(ctx.env, "TWILIO_API_BASE_URL") ?? DEFAULT_API_BASE).replace(/\/+$/, "");
  try {
    await rebasedTwilioClient(base, { accountSid, authToken }).messages.create({
      from,
      to,
      body: `Tatu launch smoke test ${code} — please ignore.`,
    });
    return undefined;
  } catch (err) {
    return `the sender number ${from} could not text ${to}: ${(err as Error).message.split("\n")[0]}`;
  }
}

const channelName: Record<string, string> = { facebook: "Messenger", instagram: "Instagram", twitter: "X" };

/** The code goes out: sent by the CLI (mail, text), by the customer stand-in, or by a person asked to. */
async function deliverCode(
  ctx: StepContext,
  smoke: string,
  kind: InboundKind,
  account: InboundAccount,
  code: string,
  seconds: number,
): Promise<InboundItem | undefined> {
  const to = account.address ?? "";
  if (kind === "email") {
    const problem = await sendMail(ctx, to, code);
    return problem ? inboundItem(false, problem) : undefined;
  }
  if (kind === "sms") {
    const problem = await sendText(ctx, to, code);
    return problem ? inboundItem(false, problem) : undefined;
  }
  const where = `${channelName[account.provider] ?? account.provider} (${account.aliasLabel || to || account.id})`;
  if (ctx.customer) {
    await ctx.customer.send(smoke, account, code);
    return undefined;
  }
  if (!ctx.mode.interactive)
    return inboundItem(
      false,
      `needs a person: an account cannot message itself, so someone sends a one-time code from the test user to ${where} — run \`tatu smoke ${smoke}\` in a terminal`,
      { needsPerson: true },
    );
  ctx.progress(`${smoke}: from your test user, send exactly ${code} to ${where}; waiting up to ${seconds} s`);
  return undefined;
}

interface Found {
  conversationId: string;
  accountId: string;
}

/** The conversation holding an inbound message with `code`, if one arrived. */
async function findInbound(http: HttpSession, code: string): Promise<Found | undefined> {
  const list = await http.get(`/api/inbox/conversations?q=${encodeURIComponent(code)}&limit=10`);
  if (list.status !== 200) throw new Error(`searching the inbox: ${describeResponse(list)}`);
  for (const c of (list.body?.items ?? []) as { id: string; accountId: string }[]) {
    const msgs = await http.get(`/api/inbox/conversations/${c.id}/messages?limit=20`);
    const items = (msgs.body?.items ?? []) as { direction?: string; text?: string; subject?: string }[];
    if (items.some((m) => m.direction === "inbound" && `${m.subject ?? ""} ${m.text ?? ""}`.includes(code)))
      return { conversationId: c.id, accountId: c.accountId };
  }
  return undefined;
}

/** Sends (or has someone send) a fresh message to `account` and waits until the inbox shows it. */
export async function inboundArrives(
  ctx: StepContext,
  http: HttpSession,
  smoke: string,
  kind: InboundKind,
  account: InboundAccount,
): Promise<InboundItem> {
  const seconds = waitSeconds(ctx, kind);
  const code = oneTimeCode();
  const started = Date.now();
  const notSent = await deliverCode(ctx, smoke, kind, account, code, seconds);
  if (notSent) return notSent;
  // Webhook channels push the message in; the others are fetched, so the smoke syncs now and then
  // (not every poll: manual syncs are rate limited per user, RATE_LIMIT_SYNC_NOW).
  const pushed = providersWithWebhooks().includes(account.provider);
  let nextSync = started + 1_000;
  for (let attempt = 0; Date.now() - started < seconds * 1000; attempt++) {
    if (!pushed && Date.now() >= nextSync) {
      await http.post(`/api/integrations/${account.id}/sync`); // 409/429: a sync is running or the budget is spent
      nextSync = Date.now() + 10_000;
    }
    const found = await findInbound(http, code);
    if (found?.accountId === account.id)
      return inboundItem(true, `${code} arrived in ${((Date.now() - started) / 1000).toFixed(1)} s`, {
        conversationId: found.conversationId,
      });
    if (found) return inboundItem(false, `${code} arrived, but on another connected account (${found.accountId})`);
    if (attempt === 0 && kind !== "person") ctx.progress(`${smoke}: waiting for ${code} to reach the inbox`);
    await sleep(500);
  }
  return inboundItem(
    false,
    kind === "person"
      ? `no message with ${code} reached the inbox within ${seconds} s (was it sent from the test user to this account?)`
      : `the ${kind === "email" ? "mail" : "text"} with ${code} did not reach the inbox within ${seconds} s (check the webhook or sync of this account)`,
  );
}
