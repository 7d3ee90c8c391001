// Shared steps of the chaos scenarios: the in-process API with BullMQ on a given Redis and the
// env its worker processes need to agree with it, cron calls, and exactly-once counts read
// straight from Postgres (ground truth is always the stand-in's, never the service's claims).
import type { AppContext } from "../../../service/context.ts";
import type { GoogleStandIn } from "../../../standins/google/index.ts";
import type { TestApp } from "../../helpers/app.ts";
import type { HttpClient } from "../../helpers/http.ts";

/** What a worker process needs to share the API's database, queue and secrets. */
export function workerEnv(
  app: TestApp,
  shared: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const c = app.ctx.config;
  const redisUrl = c.redis && "url" in c.redis ? c.redis.url : undefined;
  if (!redisUrl || !c.databaseUrl) throw new Error("workerEnv: the API must run with REDIS_URL and DATABASE_URL");
  return { ...shared, DATABASE_URL: c.databaseUrl, REDIS_URL: redisUrl, TATU_REDIS_PREFIX: c.redisPrefix, ...extra };
}

export const cron = (app: TestApp, path: string) =>
  app.client().post(path, undefined, { authorization: `Bearer ${app.ctx.config.cronSecret}` });

export async function adminMetrics(app: TestApp) {
  const res = await app.client().get("/api/admin/metrics", { authorization: `Bearer ${app.ctx.config.cronSecret}` });
  if (res.status !== 200) throw new Error(`GET /api/admin/metrics answered ${res.status}: ${res.text}`);
  return res.body;
}

/** Connects a Gmail mailbox of the stand-in the way a user does: consent in the browser, callback. Returns the account id. */
export async function connectGmailThroughApi(
  app: TestApp,
  user: { client: HttpClient; userId: string },
  google: GoogleStandIn,
  email: string,
): Promise<string> {
  google.consentAs(email);
  const start = await user.client.raw("GET", "/api/integrations/google/auth");
  const consent = await fetch(start.headers.get("location")!, { redirect: "manual" });
  const cb = new URL(consent.headers.get("location")!);
  const back = await user.client.raw("GET", cb.pathname + cb.search);
  if (back.status !== 303) throw new Error(`OAuth callback answered ${back.status}`);
  const row = await app.ctx.db.connectedAccount.findFirstOrThrow({
    where: { userId: user.userId, provider: "gmail", address: email.toLowerCase() },
  });
  return row.id;
}

/** Rows, distinct external ids: equal when nothing is stored twice. */
export async function messageCounts(
  ctx: AppContext,
  where: { accountId: string },
): Promise<{ rows: number; distinct: number }> {
  const [r] = await ctx.db.$queryRaw<{ rows: number; distinct: number }[]>`
    SELECT count(*)::int AS rows, count(DISTINCT "externalId")::int AS distinct FROM "Message" WHERE "accountId" = ${where.accountId}::uuid`;
  return r!;
}

/** Calls fn every `everyMs` until it returns true; fails after `ms` with `what` in the message. */
export async function poll(
  fn: () => boolean | Promise<boolean>,
  opts: { ms: number; everyMs?: number; what: string },
): Promise<void> {
  const end = Date.now() + opts.ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out after ${opts.ms} ms waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 250));
  }
}
