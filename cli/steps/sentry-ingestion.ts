// sentry.ingestion (runbook `t24.sentry-ingestion`): sends one test event through SENTRY_DSN
// — an envelope to the DSN host's ingest endpoint, as @sentry/node does — and confirms through
// the Sentry Web API (SENTRY_AUTH_TOKEN, SENTRY_ORG, SENTRY_PROJECT_ID) that the event arrived
// in the project the team watches, polling up to TATU_SENTRY_INGESTION_TIMEOUT seconds. Fails
// when the DSN is refused, points at another project, or the event never shows up.
import { randomBytes } from "node:crypto";
import { sentryConfigured, sentryEvent } from "../clients/sentry-api.ts";
import { envValue, registryNumber } from "../environment.ts";
import { fail, guarded, pass } from "./results.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

interface Dsn {
  /** The ingest endpoint for envelopes (carries the public key in its query: never print it). */
  envelopeUrl: string;
  host: string;
  projectId: string;
}

/** `{protocol}://{publicKey}[:{secret}]@{host}[:{port}]/[{path}/]{projectId}` (wire notes §1–2). */
export function parseDsn(dsn: string): Dsn | undefined {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return undefined;
  }
  const segments = url.pathname.split("/").filter(Boolean);
  const projectId = /^\d+/.exec(segments.at(-1) ?? "")?.[0];
  if (!/^https?:$/.test(url.protocol) || !url.username || !projectId) return undefined;
  const prefix = segments
    .slice(0, -1)
    .map((s) => `/${s}`)
    .join("");
  const q = new URLSearchParams({ sentry_version: "7", sentry_key: url.username, sentry_client: "tatu-cli/1" });
  return {
    envelopeUrl: `${url.protocol}//${url.host}${prefix}/api/${projectId}/envelope/?${q}`,
    host: url.host,
    projectId,
  };
}

function envelope(eventId: string, operator: string): string {
  const now = new Date();
  return [
    { event_id: eventId, sent_at: now.toISOString(), sdk: { name: "tatu.cli", version: "1" } },
    { type: "event" },
    {
      event_id: eventId,
      timestamp: now.getTime() / 1000,
      platform: "node",
      level: "info",
      logger: "tatu.sentry-ingestion",
      message: `tatu sentry.ingestion test event (run by ${operator}) — safe to resolve`,
      tags: { source: "tatu-cli", check: "sentry.ingestion" },
    },
  ]
    .map((x) => JSON.stringify(x))
    .join("\n");
}

async function checkIngestion(ctx: StepContext): Promise<StepResult> {
  const dsnText = envValue(ctx.env, "SENTRY_DSN");
  if (!dsnText) return fail("SENTRY_DSN is not set: the app reports no errors to Sentry");
  const dsn = parseDsn(dsnText);
  if (!dsn) return fail("SENTRY_DSN is not a Sentry DSN (https://<key>@<host>/<project id>)");
  if (!sentryConfigured(ctx.env))
    return fail("SENTRY_AUTH_TOKEN and SENTRY_ORG are needed to confirm through the Sentry API that the event arrived");
  const project = envValue(ctx.env, "SENTRY_PROJECT_ID") ?? dsn.projectId;
  const timeoutS = registryNumber(ctx.env, "TATU_SENTRY_INGESTION_TIMEOUT");
  const eventId = randomBytes(16).toString("hex");
  const where = `Sentry project ${project} of ${envValue(ctx.env, "SENTRY_ORG")}`;

  ctx.progress(`sending test event ${eventId} through SENTRY_DSN (${dsn.host}, project ${dsn.projectId})`);
  let res: Response;
  try {
    res = await fetch(dsn.envelopeUrl, {
      method: "POST",
      headers: { "content-type": "application/x-sentry-envelope" },
      body: envelope(eventId, ctx.operator),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const e = err as { cause?: { code?: string }; message?: string };
    return fail(`the DSN's host ${dsn.host} is unreachable: ${e.cause?.code ?? e.message}`);
  }
  if (!res.ok) {
    const detail = ((await res.json().catch(() => ({}))) as { detail?: string }).detail ?? res.statusText;
    return fail(
      `${dsn.host} refused the test event for project ${dsn.projectId}: ${res.status} ${detail} — is SENTRY_DSN a current client key of that project?`,
    );
  }

  const started = Date.now();
  for (;;) {
    const found = await sentryEvent(ctx.env, project, eventId);
    const waited = ((Date.now() - started) / 1000).toFixed(1);
    if (found)
      return pass(`test event ${eventId} arrived in ${where} after ${waited} s`, {
        eventId,
        project,
        dsnProject: dsn.projectId,
      });
    if (Date.now() - started >= timeoutS * 1000) {
      const why =
        dsn.projectId !== project
          ? `SENTRY_DSN sends to project ${dsn.projectId}, not to SENTRY_PROJECT_ID ${project}: the app's errors land in the wrong project`
          : `the DSN accepted it (${res.status}); check the project's inbound filters and rate limits, and that SENTRY_DSN belongs to SENTRY_ORG`;
      return fail(`the test event ${eventId} did not arrive in ${where} within ${timeoutS} s — ${why}`, {
        eventId,
        project,
        dsnProject: dsn.projectId,
      });
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const sentryIngestionStep: Step = {
  id: "sentry.ingestion",
  title: "Sentry receives a test event through SENTRY_DSN",
  run: (ctx) => guarded(() => checkIngestion(ctx)),
};
