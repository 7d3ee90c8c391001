// The launch scope: which integrations this launch turns on. Declared in runbooks/launch.md's
// front matter (`scope: gmail, outlook, …`); without it, every integration the launch document
// names. In-scope integrations need every variable the launch document lists for them
// (`tatu env check`, `env.vercel`) and their provider switches on; out-of-scope ones are "not in
// this launch" and their switches are expected off (`provider.scope`).
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { EnvName } from "../../service/config/registry.ts";
import { providerIds, type ProviderId } from "../../service/providers/catalog.ts";
import { RunbookError, runbooksDir } from "./parse.ts";
import { frontMatter } from "./front-matter.ts";

interface LaunchIntegration {
  label: string;
  /** The variables the launch document lists for it (names only; values are the registry's to check). */
  env: readonly EnvName[];
  /** Its provider kill switch, when it has one. */
  provider?: ProviderId;
}

const google = ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"] as const;
const microsoft = ["OUTLOOK_CLIENT_ID", "OUTLOOK_CLIENT_SECRET", "OUTLOOK_REDIRECT_URI"] as const;
const meta = ["FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET", "FACEBOOK_WEBHOOK_VERIFY_TOKEN"] as const;

/** Every integration a launch can have in scope, in the launch document's order. */
export const launchIntegrations = {
  gmail: { label: "Gmail", env: google, provider: "gmail" },
  outlook: { label: "Outlook / Hotmail", env: microsoft, provider: "outlook" },
  // Users connect Yahoo (and the other IMAP presets) with an app password: no server variables.
  yahoo: { label: "Yahoo / IMAP", env: [], provider: "yahoo" },
  facebook: { label: "Facebook", env: meta, provider: "facebook" },
  instagram: { label: "Instagram", env: meta, provider: "instagram" },
  twitter: {
    label: "X (Twitter)",
    env: ["TWITTER_API_KEY", "TWITTER_API_SECRET", "TWITTER_OAUTH_CALLBACK"],
    provider: "twitter",
  },
  twilio: {
    label: "SMS (Twilio)",
    env: ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_PHONE_NUMBER"],
    provider: "twilio",
  },
  "google-calendar": { label: "Google Calendar", env: google, provider: "google-calendar" },
  "outlook-calendar": { label: "Outlook Calendar", env: microsoft, provider: "outlook-calendar" },
  // CalDAV and Square: each artist brings their own credentials.
  "apple-calendar": { label: "Apple Calendar (CalDAV)", env: [], provider: "apple-calendar" },
  square: { label: "Square Appointments", env: [], provider: "square" },
  stripe: {
    label: "Stripe",
    env: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_PUBLISHABLE_KEY"],
    provider: "stripe",
  },
  sentry: { label: "Sentry", env: ["SENTRY_DSN"] },
  s3: { label: "S3 attachments", env: ["S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] },
  openai: { label: "OpenAI reply suggestions", env: ["OPENAI_API_KEY"] },
  upstash: { label: "Upstash Redis (rate limits)", env: ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"] },
} as const satisfies Record<string, LaunchIntegration>;

export type LaunchIntegrationId = keyof typeof launchIntegrations;
export const launchIntegrationIds = Object.keys(launchIntegrations) as LaunchIntegrationId[];

export interface LaunchScope {
  inScope: LaunchIntegrationId[];
  notInLaunch: LaunchIntegrationId[];
  /** Where the scope came from (the runbook file, or the default). */
  source: string;
}

const scopeSchema = z.array(
  z.enum(launchIntegrationIds as [LaunchIntegrationId, ...LaunchIntegrationId[]], {
    error: (issue) =>
      `unknown integration "${String(issue.input)}" in the launch scope (one of: ${launchIntegrationIds.join(", ")})`,
  }),
);

/** The scope from a list of names (the front matter's `scope`); every integration when none is given. */
export function scopeFrom(names: string[] | undefined, source: string): LaunchScope {
  if (!names) return { inScope: [...launchIntegrationIds], notInLaunch: [], source };
  const parsed = scopeSchema.safeParse(names);
  if (!parsed.success) throw new RunbookError(`${source}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  const inScope = launchIntegrationIds.filter((id) => parsed.data.includes(id));
  return { inScope, notInLaunch: launchIntegrationIds.filter((id) => !inScope.includes(id)), source };
}

/** The launch scope declared in runbooks/launch.md (TATU_RUNBOOKS_DIR honoured). */
export function launchScope(env: NodeJS.ProcessEnv = process.env): LaunchScope {
  const file = path.join(runbooksDir(env), "launch.md");
  if (!fs.existsSync(file)) return scopeFrom(undefined, "default (no runbooks/launch.md)");
  const raw = frontMatter(fs.readFileSync(file, "utf8")).scope;
  const names = raw === undefined ? undefined : Array.isArray(raw) ? raw : [raw];
  return scopeFrom(names, names ? path.relative(process.cwd(), file) || file : "default (launch.md declares no scope)");
}

/** Variable name → the in-scope integrations that need it. */
export function requiredByScope(scope: LaunchScope): Map<string, LaunchIntegrationId[]> {
  const out = new Map<string, LaunchIntegrationId[]>();
  for (const id of scope.inScope)
    for (const name of launchIntegrations[id].env) out.set(name, [...(out.get(name) ?? []), id]);
  return out;
}

/** Provider switches by what the scope expects of them. */
export function expectedSwitches(scope: LaunchScope): { on: ProviderId[]; off: ProviderId[] } {
  const providerOf = (id: LaunchIntegrationId): ProviderId | undefined =>
    (launchIntegrations[id] as LaunchIntegration).provider;
  const on = scope.inScope.map(providerOf).filter((p): p is ProviderId => Boolean(p));
  return { on, off: providerIds.filter((p) => !on.includes(p)) };
}
