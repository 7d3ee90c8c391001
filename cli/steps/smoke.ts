// smoke.<name>: the runbook's per-provider checks against the deployed app, as its test user
// (TATU_SMOKE_EMAIL / TATU_SMOKE_PASSWORD, a dedicated account whose providers are connected):
// the account is connected and healthy, the provider's own checks pass (token round trip; Meta
// scopes and webhook subscription), a reply goes out, a manual sync succeeds, and the provider
// reports the sent message back (the Sent folder or DM list on that sync, or an echo / delivery
// webhook): the send-and-receive round trip of the runbook's T-2h checks.
// smoke.signup automates runbooks/signup-smoke.md with a fresh address, reading the
// verification mail from the dev outbox, or from a real test mailbox over IMAP.
import { randomBytes } from "node:crypto";
import { channelSmokes as catalogSmokes } from "../../service/providers/catalog.ts";
import { envValue } from "../environment.ts";
import { describeResponse, HttpSession } from "../clients/http.ts";
import { verificationLinkFromImap } from "../clients/imap-mailbox.ts";
import { inboundArrives } from "./inbound-smoke.ts";
import { fail, guarded, pass } from "./results.ts";
import { searchSmoke } from "./search-smoke.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

/** Per-channel smokes come from each provider's meta.ts (service/providers/<id>/meta.ts). */
export const channelSmokes = catalogSmokes.map((s) => s.name);
export const smokeNames = ["signup", ...channelSmokes, "calendar", "search"];
export type SmokeName = string;
const channelSmokeOf = (name: string) => catalogSmokes.find((s) => s.name === name);

interface Item {
  name: string;
  ok: boolean;
  note: string;
  /** Failed only because nobody was there to send the inbound code. */
  needsPerson?: boolean;
}
const item = (name: string, ok: boolean, note: string): Item => ({ name, ok, note });

function verdict(label: string, items: Item[]): StepResult {
  const bad = items.filter((i) => !i.ok);
  const summary = bad.length
    ? `${label}: ${bad.map((i) => `${i.name} — ${i.note}`).join("; ")}`
    : `${label}: ${items.map((i) => i.name).join(", ")} ok`;
  if (!bad.length) return pass(summary, { items });
  return { ...fail(summary, { items }), ...(bad.every((i) => i.needsPerson) && { needsPerson: true }) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- signup -----------------------------------------------------------------------------

export async function signupSmoke(ctx: StepContext): Promise<StepResult> {
  return guarded(async () => {
    const http = new HttpSession(ctx.baseUrl);
    const id = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
    const template = envValue(ctx.env, "TATU_SMOKE_SIGNUP_EMAIL");
    const email = template
      ? template.replace("{id}", id)
      : `tatu-smoke-${id}@${envValue(ctx.env, "TATU_SMOKE_SIGNUP_DOMAIN") ?? "smoke.tatu.test"}`;
    const imapUrl = envValue(ctx.env, "TATU_SMOKE_IMAP_URL");
    const started = new Date();
    const password = `Smoke-${randomBytes(12).toString("base64url")}`;
    const items: Item[] = [];
    ctx.progress(`signup: creating ${email}`);
    const created = await http.post("/api/auth/signup", { email, password, name: "Tatu Smoke", role: "customer" });
    items.push(
      item(
        "signup.create-customer",
        created.status === 201,
        created.status === 201 ? "201" : describeResponse(created),
      ),
    );
    if (created.status !== 201) return verdict("signup", items);
    const shape = typeof created.body?.userId === "string" && typeof created.body?.verificationEmailSent === "boolean";
    items.push(
      item(
        "signup.response-shape",
        shape,
        shape
          ? `userId + verificationEmailSent=${created.body.verificationEmailSent}`
          : `body was ${created.text.slice(0, 100)}`,
      ),
    );

    const early = await http.post("/api/auth/login", { email, password });
    const guided = early.status === 403 && early.body?.error?.code === "EMAIL_NOT_VERIFIED";
    items.push(item("signup.unverified-guidance", guided, guided ? "403 EMAIL_NOT_VERIFIED" : describeResponse(early)));

    const resend = await http.post("/api/auth/resend-verification", { email });
    items.push(item("signup.resend", resend.status === 202, describeResponse(resend)));

    const link = imapUrl
      ? await verificationLinkFromImap(imapUrl, email, started)
      : await verificationLink(http, email);
    if (!link.url) {
      items.push(item("signup.verify-link", false, link.problem!));
      return verdict("signup", items);
    }
    const token = new URL(link.url).searchParams.get("token") ?? "";
    const linkShape = new URL(link.url).pathname === "/verify-email" && token.length > 0;
    const verified = await http.get(`/api/auth/verify-email?token=${encodeURIComponent(token)}`);
    items.push(
      item(
        "signup.verify-link",
        linkShape && verified.status === 200 && verified.body?.verified === true,
        linkShape ? describeResponse(verified) : `unexpected link path ${new URL(link.url).pathname}`,
      ),
    );

    const login = await http.post("/api/auth/login", { email, password });
    items.push(item("signup.login-verified", login.status === 200, describeResponse(login)));
    items.push(await deleteSmokeAccount(http, email, password, login.status === 200));
    return verdict("signup", items);
  });
}

/** The smoke's account is removed again (DELETE /api/auth/me), so production does not fill with test users. */
async function deleteSmokeAccount(
  http: HttpSession,
  email: string,
  password: string,
  signedIn: boolean,
): Promise<Item> {
  if (!signedIn) return item("signup.delete-account", false, `not signed in: ${email} stays (delete it by hand)`);
  const res = await http.request("DELETE", "/api/auth/me", { json: { password } });
  return item(
    "signup.delete-account",
    res.status === 200,
    res.status === 200 ? `${email} deleted` : `${email} stays: ${describeResponse(res)}`,
  );
}

/** The newest verification link sent to this address, from the dev outbox (non-production). */
async function verificationLink(http: HttpSession, email: string): Promise<{ url?: string; problem?: string }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await http.get(`/api/dev/outbox?to=${encodeURIComponent(email)}`);
    if (res.status === 404)
      return {
        problem:
          "no dev outbox on this deployment (production): set TATU_SMOKE_SIGNUP_EMAIL + TATU_SMOKE_IMAP_URL (a test mailbox)",
      };
    const links: string[] = (res.body?.emails ?? []).flatMap((e: { links?: string[] }) => e.links ?? []);
    const url = links.find((l) => l.includes("/verify-email?token="));
    if (url) return { url };
    await sleep(250);
  }
  return { problem: "no verification email arrived in the dev outbox within 5 s" };
}

// --- signed-in smokes -------------------------------------------------------------------

async function signIn(ctx: StepContext): Promise<HttpSession | StepResult> {
  const email = envValue(ctx.env, "TATU_SMOKE_EMAIL");
  const password = envValue(ctx.env, "TATU_SMOKE_PASSWORD");
  if (!email || !password) return fail("TATU_SMOKE_EMAIL and TATU_SMOKE_PASSWORD (the smoke test account) are not set");
  const http = new HttpSession(ctx.baseUrl);
  const res = await http.post("/api/auth/login", { email, password });
  if (res.status !== 200) return fail(`the smoke account cannot sign in: ${describeResponse(res)}`);
  return http;
}

type ChannelSmoke = (typeof catalogSmokes)[number];

interface Account {
  id: string;
  provider: string;
  address: string | null;
  aliasLabel: string | null;
  status: string;
  needsReconnect: boolean;
  lastError: string | null;
}

/** The smoke name's account: one matching its pattern, else preferably one that avoids it, else an active one. */
function pickAccount(smoke: ChannelSmoke, items: Account[]): Account | undefined {
  const candidates = items.filter((a) => a.provider === smoke.provider && a.status !== "disabled");
  const test = (pattern: string, a: Account) =>
    new RegExp(pattern, "i").test(`${a.aliasLabel ?? ""} ${a.address ?? ""}`);
  if (smoke.match) return candidates.find((a) => test(smoke.match!, a));
  if (smoke.avoid) return candidates.find((a) => !test(smoke.avoid!, a)) ?? candidates[0];
  return candidates.find((a) => a.status === "active") ?? candidates[0];
}

async function manualSync(http: HttpSession, path: string): Promise<{ ok: boolean; note: string }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const res = await http.post(path);
    if (res.status === 200) return { ok: true, note: `${res.body?.fetched ?? res.body?.events ?? 0} fetched` };
    if (res.status !== 409 || res.body?.error?.code !== "SYNC_IN_PROGRESS")
      return { ok: false, note: describeResponse(res) };
    await sleep(500); // a scheduled sync holds the lease: wait for it
  }
  return { ok: false, note: "a sync stayed in progress for 5 s" };
}

interface SentReply {
  conversationId: string;
  messageId: string;
  sentAt: number;
}
interface OutboundView {
  id: string;
  direction?: string;
  text?: string;
  status?: string;
  statusError?: string | null;
  seenBack?: { at: string; via: string } | null;
}

/** Replies on the smoke account's newest conversation and waits until the provider took it. */
async function replyGoesOut(
  ctx: StepContext,
  http: HttpSession,
  channel: string,
  accountId: string,
  /** The conversation the inbound check's fresh message opened: the test sender gets the reply. */
  preferred?: string,
): Promise<{ item: Item; sent?: SentReply }> {
  const list = await http.get(`/api/inbox/conversations?channel=${encodeURIComponent(channel)}&limit=50`);
  const mine = ((list.body?.items ?? []) as { id: string; accountId?: string }[]).filter(
    (c) => c.accountId === accountId,
  );
  const conv = mine.find((c) => c.id === preferred) ?? mine[0];
  if (!conv)
    return {
      item: item(
        "reply",
        false,
        `no ${channel} conversation on the smoke account to reply to (send it a message first)`,
      ),
    };
  const text = `Tatu launch smoke test ${new Date().toISOString()} — please ignore.`;
  const sent = await http.post(`/api/inbox/conversations/${conv.id}/reply`, { text });
  if (sent.status !== 202) return { item: item("reply", false, describeResponse(sent)) };
  for (let attempt = 0; attempt < 60; attempt++) {
    const msgs = await http.get(`/api/inbox/conversations/${conv.id}/messages?limit=10`);
    const mine = ((msgs.body?.items ?? []) as OutboundView[]).find(
      (m) => m.direction === "outbound" && m.text?.includes(text),
    );
    if (mine?.status && mine.status !== "pending") {
      const ok = ["sent", "delivered", "read"].includes(mine.status);
      return {
        item: item(
          "reply",
          ok,
          ok ? `reply ${mine.status}` : `reply ${mine.status}: ${mine.statusError ?? "no reason"}`,
        ),
        ...(ok ? { sent: { conversationId: conv.id, messageId: mine.id, sentAt: Date.now() } } : {}),
      };
    }
    if (attempt === 0) ctx.progress(`${channel}: waiting for the reply to go out`);
    await sleep(500);
  }
  return { item: item("reply", false, "the reply was still pending after 30 s (is the queue worker running?)") };
}

/** The sent reply comes back from the provider: listed by the manual sync just run (Sent
 *  folder, DM events, conversation) or reported by an echo / delivery webhook. Webhooks may
 *  trail the send by seconds, so this waits up to TATU_SMOKE_ROUNDTRIP_SECONDS (default 30). */
async function comesBack(ctx: StepContext, http: HttpSession, channel: string, reply: SentReply): Promise<Item> {
  const asked = Number(envValue(ctx.env, "TATU_SMOKE_ROUNDTRIP_SECONDS") ?? 30);
  const seconds = Number.isFinite(asked) && asked > 0 ? asked : 30;
  const deadline = Date.now() + seconds * 1000;
  for (let attempt = 0; ; attempt++) {
    const msgs = await http.get(`/api/inbox/conversations/${reply.conversationId}/messages?limit=20`);
    const mine = ((msgs.body?.items ?? []) as OutboundView[]).find((m) => m.id === reply.messageId);
    if (!mine) return item("round trip", false, "the sent reply is no longer in the conversation");
    if (mine.seenBack) return item("round trip", true, `the provider reported the reply back by ${mine.seenBack.via}`);
    if (Date.now() >= deadline) break;
    if (attempt === 0) ctx.progress(`${channel}: waiting for the reply to come back by sync or webhook`);
    await sleep(500);
  }
  return item(
    "round trip",
    false,
    `the provider did not report the reply back within ${seconds} s after the sync (no Sent copy on sync, no echo or delivery webhook: check the webhook subscription and the sync cursor)`,
  );
}

/** The provider's own checks run by the service (it holds the tokens): an authenticated round
 *  trip, and for Meta the granted scopes and the Page's webhook subscription. */
export async function providerChecks(http: HttpSession, accountId: string): Promise<Item[]> {
  const res = await http.post(`/api/integrations/${accountId}/smoke`, {});
  if (res.status !== 200) return [item("provider checks", false, describeResponse(res))];
  const checks = (res.body?.checks ?? []) as { name: string; ok: boolean; detail?: string }[];
  return checks.map((c) => item(c.name, c.ok, c.detail ?? (c.ok ? "ok" : "failed")));
}

export async function channelSmoke(ctx: StepContext, name: string): Promise<StepResult> {
  const smoke = channelSmokeOf(name);
  if (!smoke) return fail(`unknown smoke ${name}`);
  return guarded(async () => {
    const http = await signIn(ctx);
    if (!(http instanceof HttpSession)) return http;
    const list = await http.get("/api/integrations");
    if (list.status !== 200) return fail(`${name}: listing integrations: ${describeResponse(list)}`);
    // SMS has two ways in: a number of the server's Twilio account (assigned by an admin) and
    // a studio's own Twilio account. Every connected one is checked, each with its own items.
    if (smoke.every) {
      const numbers = ((list.body.items ?? []) as (Account & { twilioAccount?: string })[]).filter(
        (a) => a.provider === smoke.provider && a.status !== "disabled",
      );
      if (!numbers.length)
        return fail(
          `${name}: the smoke account has no connected ${smoke.provider === "twilio" ? "Twilio number" : `${name} account`}`,
        );
      const items: Item[] = [];
      for (const a of numbers) {
        const label = a.twilioAccount === "own" ? "own Twilio account" : "server number";
        const checked = await accountSmoke(ctx, http, smoke, a);
        items.push(...checked.map((i) => ({ ...i, name: `${label} ${a.address}: ${i.name}` })));
      }
      return verdict(name, items);
    }
    const account = pickAccount(smoke, list.body.items ?? []);
    if (!account) return fail(`${name}: the smoke account has no connected ${name} account`);
    return verdict(name, await accountSmoke(ctx, http, smoke, account));
  });
}

/** Connected, healthy, the provider's own checks, a fresh message comes in, a reply goes out
 *  (to that message's sender), a manual sync, the round trip. */
async function accountSmoke(
  ctx: StepContext,
  http: HttpSession,
  smoke: ChannelSmoke,
  account: Account,
): Promise<Item[]> {
  const name = smoke.name;
  const items: Item[] = [item("connected", true, account.address ?? account.id)];
  const healthy = account.status === "active" && !account.needsReconnect;
  items.push(
    item(
      "healthy",
      healthy,
      healthy ? "active" : `${account.status}${account.lastError ? `: ${account.lastError}` : ""}`,
    ),
  );
  if (!healthy) return items;
  items.push(...(await providerChecks(http, account.id)));
  // A scheduled round (hypercare) has nobody to send a code: that check is left out, visibly.
  const inbound =
    smoke.inbound === "person" && ctx.unattended
      ? undefined
      : await inboundArrives(ctx, http, name, smoke.inbound, account);
  if (inbound) items.push({ name: inbound.name, ok: inbound.ok, note: inbound.note, needsPerson: inbound.needsPerson });
  const reply = await replyGoesOut(ctx, http, account.provider, account.id, inbound?.conversationId);
  items.push(reply.item);
  // After the send, so the sync is also the first chance to see the reply come back.
  ctx.progress(`${name}: manual sync of ${account.address ?? account.id}`);
  const sync = await manualSync(http, `/api/integrations/${account.id}/sync`);
  items.push(item("manual sync", sync.ok, sync.note));
  if (reply.sent) items.push(await comesBack(ctx, http, account.provider, reply.sent));
  return items;
}

export async function calendarSmoke(ctx: StepContext): Promise<StepResult> {
  return guarded(async () => {
    const http = await signIn(ctx);
    if (!(http instanceof HttpSession)) return http;
    const list = await http.get("/api/calendars");
    if (list.status !== 200) return fail(`calendar: ${describeResponse(list)}`);
    const calendars: { id: string; provider?: string; status?: string; name?: string }[] = list.body.items ?? [];
    if (!calendars.length) return fail("calendar: the smoke account has no connected calendar");
    const items: Item[] = [];
    for (const c of calendars) {
      const sync = await manualSync(http, `/api/calendars/${c.id}/sync`);
      items.push(item(`${c.provider ?? "calendar"} sync`, sync.ok, sync.note));
    }
    return verdict("calendar", items);
  });
}

export function runSmoke(ctx: StepContext, name: SmokeName): Promise<StepResult> {
  if (name === "signup") return signupSmoke(ctx);
  if (name === "calendar") return calendarSmoke(ctx);
  if (name === "search") return searchSmoke(ctx);
  return channelSmoke(ctx, name);
}

const CHANNEL_CHECKS = "connected, healthy, a fresh message comes in, reply goes out and comes back, manual sync";
const titles: Record<SmokeName, string | undefined> = {
  signup: "Signup smoke: signup, guidance, resend, verify link, login, account deleted again",
  ...Object.fromEntries(catalogSmokes.map((s) => [s.name, `${s.title}: ${CHANNEL_CHECKS}`])),
  calendar: "Calendars: every connected calendar syncs",
  search: "Map/search: at least one visible artist, and the expected one (TATU_SMOKE_SEARCH_ARTIST) if set",
};

export const smokeSteps = Object.fromEntries(
  smokeNames.map((n): [SmokeName, Step] => [
    n,
    { id: `smoke.${n}`, title: titles[n] ?? n, run: (ctx) => runSmoke(ctx, n) },
  ]),
) as Record<SmokeName, Step>;
