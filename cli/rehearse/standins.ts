// The provider stand-ins the rehearsal points the service at (the same modules the tests use):
// Google (Gmail + Calendar), Microsoft (Outlook/Hotmail), Meta, X, Twilio, Square, Stripe,
// OpenAI, S3, Upstash (over the local Redis) — plus Vercel and Sentry stand-ins when
// standins/{vercel,sentry} exist.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { startMicrosoftStandIn, type MicrosoftStandIn } from "../../standins/microsoft/index.ts";
import { startOpenAIStandIn } from "../../standins/openai/index.ts";
import { startS3StandIn } from "../../standins/s3/index.ts";
import { startSquareStandIn } from "../../standins/square/index.ts";
import { startStripeStandIn } from "../../standins/stripe/index.ts";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { startTwitterStandIn, type TwitterStandIn } from "../../standins/twitter/index.ts";
import { startUpstashStandIn } from "../../standins/upstash/index.ts";

interface Closable {
  env(): Record<string, string>;
  close(): Promise<void>;
}

export interface StandIns {
  google: GoogleStandIn;
  microsoft: MicrosoftStandIn;
  meta: MetaStandIn;
  twitter: TwitterStandIn;
  twilio: TwilioStandIn;
  /** Every stand-in by name (incl. the optional ones that were found). */
  all: Record<string, Closable>;
  /** Optional stand-ins that are not in this tree (their items will fail, honestly). */
  absent: string[];
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** standins/<name>/index.ts exporting start…StandIn(), if that module exists. */
async function optionalStandIn(name: string): Promise<Closable | undefined> {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), `../../standins/${name}/index.ts`);
  if (!fs.existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const start = Object.entries(mod).find(([k, v]) => /^start\w*StandIn$/.test(k) && typeof v === "function")?.[1] as
    | (() => Promise<Closable>)
    | undefined;
  return start ? start() : undefined;
}

export async function startStandIns(publicUrl: string): Promise<StandIns> {
  const [google, microsoft, meta, twitter, twilio, square, stripe, openai, s3, upstash, vercel, sentry] =
    await Promise.all([
      startGoogleStandIn(),
      startMicrosoftStandIn(),
      startMetaStandIn(),
      startTwitterStandIn({ callbackUrls: [`${publicUrl}/api/integrations/twitter/callback`] }),
      startTwilioStandIn(),
      startSquareStandIn(),
      startStripeStandIn(),
      startOpenAIStandIn(),
      startS3StandIn(),
      // Upstash REST over the local Redis: the rehearsal's rate limits run where production's do.
      startUpstashStandIn(),
      optionalStandIn("vercel"),
      optionalStandIn("sentry"),
    ]);
  // Like the real Twilio: every sent message gets its "sent" and "delivered" status callbacks.
  twilio.setAutoDeliver(true);
  const all: Record<string, Closable> = {
    google,
    microsoft,
    meta,
    twitter,
    twilio,
    square,
    stripe,
    openai,
    s3,
    upstash,
  };
  const absent: string[] = [];
  if (vercel) all.vercel = vercel;
  else absent.push("vercel");
  if (sentry) all.sentry = sentry;
  else absent.push("sentry");
  return {
    google,
    microsoft,
    meta,
    twitter,
    twilio,
    all,
    absent,
    env: () => Object.assign({}, ...Object.values(all).map((s) => s.env())),
    close: async () => {
      await Promise.all(Object.values(all).map((s) => s.close().catch(() => undefined)));
    },
  };
}
