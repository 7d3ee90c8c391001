// Seeds what launch day expects to exist: a verified smoke-test artist (TATU_SMOKE_EMAIL) with
// a visible profile, and its accounts connected through the stand-ins' real OAuth flows
// (Gmail + Google Calendar, Outlook, Hotmail, Facebook + Instagram, X, the Twilio number), each
// with one customer message waiting so the smoke steps have a conversation to reply to.
import { randomBytes } from "node:crypto";
import { crons } from "../../service/jobs/cron-table.ts";
import { AdminApi } from "../clients/tatu-admin-api.ts";
import { describeResponse, HttpSession, type HttpResponse } from "../clients/http.ts";
import type { ImapPeer } from "./imap.ts";
import type { StandIns } from "./standins.ts";

export interface SeededAccount {
  email: string;
  password: string;
  connected: string[];
  /** Who the rehearsal's customer writes to on the channels where a person sends the smoke's code. */
  social: { pageId: string; instagramId: string; xStudioId: string; xFanId: string };
}

async function ok(what: string, p: Promise<HttpResponse>, expected = [200, 201, 202]): Promise<HttpResponse> {
  const res = await p;
  if (!expected.includes(res.status)) throw new Error(`seeding ${what}: ${describeResponse(res)}`);
  return res;
}

/** The browser's part of an OAuth connect: our /auth → the stand-in's consent → our /callback. */
async function connectVia(http: HttpSession, route: string): Promise<void> {
  // Asked for JSON, /auth answers {url}; a browser would get the 302 to the same place.
  const start = await ok(`${route} auth`, http.request("GET", `/api/integrations/${route}/auth`), [200, 302]);
  const consentUrl = start.status === 302 ? start.headers.get("location")! : (start.body.url as string);
  const consent = await fetch(consentUrl, { redirect: "manual" });
  const location = consent.headers.get("location");
  if (!location) throw new Error(`seeding ${route}: the stand-in's consent answered ${consent.status}`);
  const callback = new URL(location);
  const done = await http.request("GET", callback.pathname + callback.search);
  const back = new URL(done.headers.get("location") ?? "http://x/", "http://x/");
  if (done.status !== 303 || !back.searchParams.get("connected"))
    throw new Error(`seeding ${route} callback: ${done.status} ${back.search || done.text.slice(0, 200)}`);
}

const WEEK = Object.fromEntries(
  ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start: "09:00", end: "19:00" }]]),
);

/** `env`: the service's environment (CRON_SECRET for the admin API). */
export async function seedSmokeAccount(
  baseUrl: string,
  s: StandIns,
  imap: ImapPeer | undefined,
  progress: (line: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<SeededAccount> {
  const email = `smoke-artist-${randomBytes(3).toString("hex")}@rehearsal.tatu.test`;
  const password = `Rehearse-${randomBytes(12).toString("base64url")}`;
  const http = new HttpSession(baseUrl);
  const connected: string[] = [];

  progress(`seeding ${email}: sign up, verify through the dev outbox, sign in`);
  await ok(
    "signup",
    http.post("/api/auth/signup", { email, password, name: "Rehearsal Artist", role: "artist" }),
    [201],
  );
  const outbox = await ok("dev outbox", http.get(`/api/dev/outbox?to=${encodeURIComponent(email)}`));
  const link = (outbox.body.emails ?? [])
    .flatMap((e: { links: string[] }) => e.links)
    .find((l: string) => l.includes("/verify-email?token="));
  if (!link) throw new Error("seeding: no verification mail in the dev outbox");
  await ok(
    "verify",
    http.get(`/api/auth/verify-email?token=${encodeURIComponent(new URL(link).searchParams.get("token")!)}`),
  );
  await ok("login", http.post("/api/auth/login", { email, password }));
  await ok(
    "artist profile",
    http.put("/api/me/artist-profile", {
      displayName: "Rehearsal Ink",
      timeZone: "Europe/Berlin",
      workingHours: WEEK,
      lat: 52.52,
      lng: 13.405,
      visible: true,
      styles: ["fine-line"],
    }),
  );

  const customer = { name: "Sam Rivera", address: "sam@customer.test" };
  const connectMailbox = async (label: string, deliverAndConsent: () => Promise<void>, route: string) => {
    progress(`connecting ${label} through the stand-in's OAuth consent`);
    await deliverAndConsent();
    await connectVia(http, route);
    connected.push(label);
  };

  const gmail = "rehearsal.studio@gmail.com";
  s.google.addMailbox(gmail, { name: "Rehearsal Studio" });
  await connectMailbox(
    "gmail",
    async () => {
      await s.google.deliver(gmail, {
        from: `${customer.name} <${customer.address}>`,
        subject: "Fine-line rose",
        text: "Do you have time for a small rose on the wrist?",
      });
      s.google.consentAs(gmail);
    },
    "google",
  );
  await ok("google calendar", http.post("/api/calendars/google", {}), [200, 201]);
  connected.push("google-calendar");

  for (const [label, address] of [
    ["outlook", "rehearsal.studio@outlook.com"],
    ["hotmail", "rehearsal.studio@hotmail.com"],
  ] as const) {
    s.microsoft.addUser(address, { displayName: `Rehearsal ${label}` });
    await connectMailbox(
      label,
      async () => {
        s.microsoft.deliver(address, {
          from: customer,
          subject: "Cover-up question",
          text: "Can you cover an old tribal piece?",
        });
        s.microsoft.consentAs(address);
      },
      "outlook",
    );
  }

  if (imap) {
    progress("connecting Yahoo (app password) on the local Dovecot peer");
    const yahoo = "rehearsal.studio@yahoo.test";
    const appPassword = "abcdefghijklmnop";
    await imap.addUser(yahoo, appPassword);
    await imap.addUser(customer.address, randomBytes(12).toString("hex")); // so the reply has somewhere to land
    await imap.deliver(yahoo, {
      from: `${customer.name} <${customer.address}>`,
      subject: "Flash sheet",
      text: "Is the swallow flash still available?",
    });
    await ok("yahoo connect", http.post("/api/integrations/yahoo/connect", { email: yahoo, appPassword }), [201]);
    connected.push("yahoo");
  }

  progress("connecting Facebook + Instagram (one Facebook Login), X and the Twilio number");
  const owner = s.meta.addUser({ name: "Rehearsal Owner" });
  const page = s.meta.addPage(owner.id, { name: "Rehearsal Ink", instagram: { username: "rehearsal.ink" } });
  s.meta.consentAs(owner.id);
  await connectVia(http, "facebook");
  connected.push("facebook", "instagram");
  for (const [target, id] of [
    ["facebook", page.id],
    ["instagram", page.instagram!.id],
  ] as const) {
    const delivery = await s.meta.postWebhook(
      `${baseUrl}/api/webhooks/${target}`,
      s.meta.customerMessage(id, { name: customer.name, text: `Hi from ${target}! Booking in December?` }),
    );
    if (delivery.status !== 200) throw new Error(`seeding ${target} message: webhook answered ${delivery.status}`);
  }

  const me = s.twitter.addUser({ username: "rehearsal_ink", name: "Rehearsal Ink" });
  const fan = s.twitter.addUser({ username: "tattoo_fan", name: "Tattoo Fan" });
  s.twitter.consentAs(me.id);
  await connectVia(http, "twitter");
  s.twitter.dm(fan.id, me.id, { text: "Are you booking in December?" });
  connected.push("twitter");

  // SMS both ways: the server's default number, assigned to the smoke artist by the admin API
  // (what `tatu provider twilio assign` calls), and a number of the studio's own Twilio account.
  const serverNumber = s.twilio.env().TWILIO_PHONE_NUMBER!;
  await new AdminApi(baseUrl, env, "rehearsal").assignTwilioNumber(serverNumber, email);
  const number = (await ok("twilio connect", http.post("/api/integrations/twilio/connect", {}))).body.account
    .address as string;
  const own = s.twilio.addAccount();
  const ownNumber = own.addNumber("+15017122662").phoneNumber;
  await ok(
    "twilio connect (own account)",
    http.post("/api/integrations/twilio/connect", {
      phoneNumber: ownNumber,
      accountSid: own.accountSid,
      authToken: own.authToken,
    }),
    [201],
  );
  for (const to of [number, ownNumber]) {
    const sms = await s.twilio.inbound(undefined, { from: "+14155550199", to, body: "Hi! Do you do walk-ins?" });
    if (sms.status !== 200) throw new Error(`seeding inbound SMS to ${to}: webhook answered ${sms.status}`);
  }
  connected.push("sms");
  return {
    email,
    password,
    connected,
    social: { pageId: page.id, instagramId: page.instagram!.id, xStudioId: me.id, xFanId: fan.id },
  };
}

/** A fresh service has never run a cron; on launch day Vercel has been calling them since the
 *  deploy. One run of each (as Vercel calls them, with CRON_SECRET) makes `cron.status` judge a
 *  healthy world rather than a just-born one. */
export async function runEachCronOnce(
  baseUrl: string,
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
): Promise<void> {
  progress(`running each cron once: ${crons.map((c) => c.name).join(", ")}`);
  const api = new AdminApi(baseUrl, env, "rehearsal");
  for (const c of crons) {
    const run = await api.runCron(c.path);
    if (run.skipped) throw new Error(`seeding: cron ${c.name} was skipped (${run.reason})`);
  }
}
