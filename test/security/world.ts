// A small, realistic world for the hostile-input tests: the real service (Postgres, Redis)
// with every provider stand-in configured, artist A owning real data created through the
// public API (profile, portfolio, service, Twilio + Facebook accounts with an inbound MMS,
// a Square calendar, a booking request with a reference and a confirmed appointment with
// customer C), a second artist B who owns nothing of A's, and a customer D with no tie to A.
import { randomBytes } from "node:crypto";
import type { Writable } from "node:stream";
import { inject } from "vitest";
import { boot } from "../../service/boot.ts";
import { loadConfig, secretValues, type Config } from "../../service/config/load.ts";
import type { AppContext } from "../../service/context.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { startHttpServer } from "../../service/server.ts";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { startMetaStandIn, newPsid, type MetaStandIn } from "../../standins/meta/index.ts";
import { startMicrosoftStandIn, type MicrosoftStandIn } from "../../standins/microsoft/index.ts";
import { startOpenAIStandIn, type OpenAIStandIn } from "../../standins/openai/index.ts";
import { startSquareStandIn, type SquareStandIn } from "../../standins/square/index.ts";
import { startStripeStandIn, type StripeStandIn } from "../../standins/stripe/index.ts";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { startTwitterStandIn, type TwitterStandIn } from "../../standins/twitter/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { isolatedDatabaseUrl, REDIS_URL, type TestApp } from "../helpers/app.ts";
import { HttpClient } from "../helpers/http.ts";
import { freePort } from "../helpers/net.ts";
import { startRefusingPeers } from "./refusing-peers.ts";
import { until } from "../helpers/realtime.ts";

export const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

export interface StandIns {
  meta: MetaStandIn;
  twilio: TwilioStandIn;
  stripe: StripeStandIn;
  square: SquareStandIn;
  openai: OpenAIStandIn;
  twitter: TwitterStandIn;
  google: GoogleStandIn;
  microsoft: MicrosoftStandIn;
}
export interface Person {
  client: HttpClient;
  email: string;
  userId: string;
}

/** Ids of A's resources, by the route parameter names the authorisation matrix uses. */
export interface OwnedIds {
  conversationId: string;
  messageId: string;
  attachmentId: string;
  accountId: string;
  calendarId: string;
  requestId: string;
  referenceId: string;
  appointmentId: string;
  projectId: string;
  serviceId: string;
  imageId: string;
}

export interface World {
  app: TestApp;
  config: Config /** The environment the service booted with (raw strings). */;
  env: Record<string, string>;
  standIns: StandIns;
  /** A: the artist who owns everything in `ids`; B: a second artist; customer: A's customer (C, party to A's booking); stranger: a customer with no tie to A (D). */
  a: Person;
  b: Person;
  customer: Person;
  stranger: Person;
  ids: OwnedIds;
  close(): Promise<void>;
}

/**
 * Boots the service like test/helpers/app.ts does, but with every stand-in configured and an
 * optional log destination (the secrets scan reads everything the service logs).
 */
export async function startWorld(
  opts: { logLevel?: string; logDestination?: Writable; seed?: boolean; env?: Record<string, string> } = {},
): Promise<World> {
  const [meta, twilio, stripe, square, openai, twitter, google, microsoft] = await Promise.all([
    startMetaStandIn(),
    startTwilioStandIn(),
    startStripeStandIn(),
    startSquareStandIn(),
    startOpenAIStandIn(),
    startTwitterStandIn(),
    startGoogleStandIn(),
    startMicrosoftStandIn(),
  ]);
  const standIns: StandIns = { meta, twilio, stripe, square, openai, twitter, google, microsoft };
  const refusing = await startRefusingPeers(); // Yahoo IMAP and Apple CalDAV: every sign-in is refused
  const port = await freePort();
  const prefix = `tatu-test-sec-${randomBytes(4).toString("hex")}`;
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: "test",
    DATABASE_URL: await isolatedDatabaseUrl(),
    TATU_DATA_DIR: `/tmp/tatu-test-${inject("runId")}`,
    TATU_SCHEDULER: "off",
    LOG_LEVEL: opts.logLevel ?? process.env.TEST_LOG_LEVEL ?? "silent",
    RATE_LIMIT_SIGNUP: "100000/10m",
    TATU_REDIS_PREFIX: prefix,
    REDIS_URL,
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    FACEBOOK_WEBHOOK_VERIFY_TOKEN: `verify-${randomBytes(12).toString("hex")}`,
    ...refusing.env(),
    YAHOO_SMTP_HOST: "127.0.0.1",
    YAHOO_SMTP_PORT: String(refusing.imapPort),
    YAHOO_SMTP_SECURE: "false",
    ...meta.env(),
    ...twilio.env(),
    ...stripe.env(),
    ...square.env(),
    ...openai.env(),
    ...twitter.env(),
    ...google.env(),
    ...microsoft.env(),
    ...opts.env,
  };
  const config = loadConfig(env);
  const log = createLogger({
    level: config.logLevel,
    secrets: secretValues(config),
    destination: opts.logDestination as never,
  });
  const booted = await boot({ config, log });
  const server = await startHttpServer(booted.ctx, port, "127.0.0.1");
  // A worker in this process runs the queued jobs (webhook processing, first syncs).
  const stopWorker = booted.ctx.queue.startWorker(booted.ctx, 2);
  const app: TestApp = {
    url: server.url,
    ctx: booted.ctx,
    client: () => new HttpClient(server.url),
    async close() {
      await stopWorker();
      await server.close();
      const keys = await booted.ctx.redis?.keys(`${prefix}:*`).catch(() => [] as string[]);
      if (keys?.length) await booted.ctx.redis!.del(...keys).catch(() => undefined);
      await booted.close();
    },
  };
  const close = async () => {
    await app.close();
    await Promise.all([...Object.values(standIns).map((s) => s.close()), refusing.close()]);
  };
  try {
    const a = await signedInUser(app, { role: "artist" });
    const b = await signedInUser(app, { role: "artist" });
    const customer = await signedInUser(app, { role: "customer" });
    const stranger = await signedInUser(app, { role: "customer" });
    const ids = opts.seed === false ? ({} as OwnedIds) : await seedArtist(app, standIns, a, b, customer);
    return { app, config, env: env as Record<string, string>, standIns, a, b, customer, stranger, ids, close };
  } catch (err) {
    await close();
    throw err;
  }
}

const WEEK = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start: "08:00", end: "20:00" }]]),
);

async function ok<T = any>(
  what: string,
  p: Promise<{ status: number; body: T; text: string }>,
  expected: number[] = [200, 201, 202],
): Promise<T> {
  const res = await p;
  if (!expected.includes(res.status)) throw new Error(`seeding ${what}: ${res.status} ${res.text.slice(0, 300)}`);
  return res.body;
}

/** OAuth in a browser: our /auth → provider consent → our /callback (303 back to /integrations). */
async function connectVia(client: HttpClient, route: string): Promise<void> {
  const start = await client.raw("GET", `/api/integrations/${route}/auth`);
  if (start.status !== 302) throw new Error(`seeding ${route} auth: ${start.status}`);
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const callback = new URL(consent.headers.get("location")!);
  const done = await client.raw("GET", callback.pathname + callback.search);
  const back = new URL(done.headers.get("location") ?? "http://x/");
  if (done.status !== 303 || !back.searchParams.get("connected"))
    throw new Error(`seeding ${route} callback: ${done.status} ${back.search}`);
}

async function seedArtist(app: TestApp, s: StandIns, a: Person, b: Person, customer: Person): Promise<OwnedIds> {
  const profile = {
    displayName: "Artist A",
    timeZone: "Europe/Berlin",
    workingHours: WEEK,
    lat: 52.52,
    lng: 13.405,
    visible: true,
    styles: ["fine-line"],
  };
  await ok("profile A", a.client.put("/api/me/artist-profile", profile));
  await ok(
    "profile B",
    b.client.put("/api/me/artist-profile", { ...profile, displayName: "Artist B", lat: 48.1, lng: 11.6 }),
  );
  const form = new FormData();
  form.append("images", new Blob([PNG], { type: "image/png" }), "flash.png");
  const imageId = (await ok("portfolio", a.client.form("/api/me/artist-profile/portfolio", form))).images[0]
    .id as string;
  const serviceId = (
    await ok(
      "service",
      a.client.post("/api/me/artist-profile/services", { kind: "session", name: "Half day", durationMinutes: 60 }),
    )
  ).id as string;

  // Channels: the studio's Twilio number (an inbound MMS with a picture) and a Facebook Page.
  // The server's default number, assigned to A by an admin (bearer CRON_SECRET).
  await ok(
    "twilio assign",
    app
      .client()
      .put(
        `/api/admin/twilio-numbers/${encodeURIComponent(s.twilio.env().TWILIO_PHONE_NUMBER!)}`,
        { email: a.email },
        { authorization: `Bearer ${app.ctx.config.cronSecret}` },
      ),
  );
  const number = (await ok("twilio connect", a.client.post("/api/integrations/twilio/connect", {}))).account
    .address as string;
  const fbUser = s.meta.addUser({ name: "A Owner" });
  const page = s.meta.addPage(fbUser.id, { name: "A Studio", instagram: { username: "a.studio.ink" } });
  s.meta.consentAs(fbUser.id);
  await connectVia(a.client, "facebook");
  await s.meta.postWebhook(
    `${app.url}/api/webhooks/facebook`,
    s.meta.customerMessage(page.id, { psid: newPsid(), text: "Hello A" }),
  );
  const sms = await s.twilio.inbound(undefined, {
    from: "+14155550199",
    to: number,
    body: "refs for A",
    media: [{ contentType: "image/png", content: PNG }],
  });
  if (sms.status !== 200) throw new Error(`seeding inbound MMS: ${sms.status}`);
  const findMms = () => app.ctx.db.message.findFirst({ where: { text: "refs for A" }, include: { attachments: true } });
  await until(async () => Boolean((await findMms())?.attachments.length), 10_000, "A's MMS and its picture");
  const message = (await findMms())!;
  const attachmentId = message.attachments[0]?.id;
  if (!attachmentId) throw new Error("seeding: the MMS has no stored attachment");

  // A Square calendar (its access token is a provider secret stored for the account).
  const merchant = s.square.addMerchant();
  const calendars = await ok(
    "square calendar",
    a.client.post("/api/calendars/square/connect", { accessToken: merchant.token }),
  );
  const calendarId = calendars.items[0].id as string;

  // Booking: customer → request with a reference → A offers → customer accepts.
  const req = new FormData();
  for (const [k, v] of Object.entries({
    artistId: a.userId,
    idea: "Swallow, fine line",
    placement: "wrist",
    size: "5 cm",
  }))
    req.set(k, v);
  req.append("files", new Blob([PNG], { type: "image/png" }), "swallow.png");
  const request = await ok("booking request", customer.client.form("/api/bookings/requests", req));
  const start = new Date(Date.now() + 10 * 86_400_000);
  start.setUTCHours(10, 0, 0, 0);
  await ok(
    "offer",
    a.client.post(`/api/bookings/requests/${request.id}/offer`, { serviceId, slots: [{ start: start.toISOString() }] }),
  );
  const accepted = await ok(
    "accept",
    customer.client.post(`/api/bookings/requests/${request.id}/accept`, { start: start.toISOString() }),
  );
  const appointment = await app.ctx.db.appointment.findUniqueOrThrow({ where: { id: accepted.appointmentId } });
  const account = await app.ctx.db.connectedAccount.findFirstOrThrow({
    where: { userId: a.userId, provider: "twilio" },
  });
  return {
    conversationId: message.conversationId,
    messageId: message.id,
    attachmentId,
    accountId: account.id,
    calendarId,
    requestId: request.id,
    referenceId: request.references[0].id,
    appointmentId: appointment.id,
    projectId: appointment.projectId!,
    serviceId,
    imageId,
  };
}
