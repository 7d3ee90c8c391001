// Signed Messenger webhooks for the chaos scenarios (built by the benchmark's generator: each
// a distinct Meta `mid`, HMAC-signed independently of the code under test), a poster that
// records which ones the service acknowledged, and the exactly-once check against Postgres.
import pLimit from "p-limit";
import { channelProvider } from "../../../service/providers/registry.ts";
import type { AppContext } from "../../../service/context.ts";
import { upsertAccount } from "../../../service/integrations/accounts.ts";
import { metaBatch, type SignedBatch } from "../../../bench/webhooks-data.ts";
import type { MetaStandIn } from "../../../standins/meta/index.ts";

/** One post: when it started (epoch ms), how long the answer took, status (0 = no answer) and body. */
export interface Delivery {
  eventId: string;
  at: number;
  status: number;
  ms: number;
  body: string;
}

/** The error message of a JSON error answer ({error:{message}}), if any. */
export function errorMessage(d: Delivery): string | undefined {
  try {
    const m = (JSON.parse(d.body) as { error?: { message?: unknown } }).error?.message;
    return typeof m === "string" && m ? m : undefined;
  } catch {
    return undefined;
  }
}

export interface MessengerPage {
  id: string;
  name: string;
  accessToken: string;
}

/** A Facebook Page of a new artist, connected as the Facebook Login callback stores it (the
 *  connect flow has its own tests); returns the page and its account id. */
export async function connectedMessengerPage(
  ctx: AppContext,
  meta: MetaStandIn,
  o: { email: string; pageName: string },
): Promise<{ page: MessengerPage; accountId: string }> {
  const page = meta.addPage(meta.addUser({ name: "Chaos Artist" }).id, { name: o.pageName });
  const user = await ctx.db.user.create({
    data: {
      email: o.email,
      name: "Chaos Artist",
      role: "artist",
      passwordHash: "!no-login",
      emailVerifiedAt: new Date(),
    },
  });
  const account = await upsertAccount(ctx, user.id, channelProvider("facebook")!, {
    externalId: page.id,
    address: page.name,
    displayName: page.name,
    credentials: { pageAccessToken: page.accessToken, pageId: page.id },
    scopes: ["pages_messaging"],
  });
  return { page, accountId: account.id };
}

export function signedMessengerWebhooks(meta: MetaStandIn, pageId: string, n: number, tag: string): SignedBatch {
  return metaBatch(meta, pageId, String(meta.env().FACEBOOK_APP_SECRET), n, Math.max(1, Math.floor(n / 4)), tag);
}

/** Posts every request (at most `concurrency` at once, each bounded by `timeoutMs`); status 0 = no answer. */
export async function deliver(
  baseUrl: string,
  batch: SignedBatch,
  opts: { concurrency?: number; timeoutMs?: number; gapMs?: number } = {},
): Promise<Delivery[]> {
  const limit = pLimit(opts.concurrency ?? 8);
  return Promise.all(
    batch.requests.map((r, i) =>
      limit(async () => {
        if (opts.gapMs) await new Promise((res) => setTimeout(res, opts.gapMs));
        const start = Date.now();
        try {
          const res = await fetch(baseUrl + r.path, {
            method: r.method,
            headers: r.headers,
            body: r.body,
            signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
          });
          const body = await res.text();
          return { eventId: batch.eventIds[i]!, at: start, status: res.status, ms: Date.now() - start, body };
        } catch (err) {
          return {
            eventId: batch.eventIds[i]!,
            at: start,
            status: 0,
            ms: Date.now() - start,
            body: (err as Error).message,
          };
        }
      }),
    ),
  );
}

export interface ExactlyOnce {
  /** Acknowledged event ids without exactly one WebhookEvent row / exactly one Message row. */
  events: string[];
  messages: string[];
  /** Acknowledged events whose WebhookEvent is not "processed". */
  unprocessed: string[];
}

/** For every acknowledged Meta event id: one WebhookEvent, processed, and one Message on the account. */
export async function exactlyOnce(ctx: AppContext, accountId: string, acked: string[]): Promise<ExactlyOnce> {
  const events = await ctx.db.$queryRaw<{ eventId: string; n: number; processed: number }[]>`
    SELECT "eventId", count(*)::int AS n, count(*) FILTER (WHERE status = 'processed')::int AS processed
    FROM "WebhookEvent" WHERE source = 'facebook' AND "eventId" = ANY(${acked}::text[]) GROUP BY "eventId"`;
  const messages = await ctx.db.$queryRaw<{ externalId: string; n: number }[]>`
    SELECT "externalId", count(*)::int AS n FROM "Message" WHERE "accountId" = ${accountId}::uuid AND "externalId" = ANY(${acked}::text[]) GROUP BY "externalId"`;
  const ev = new Map(events.map((e) => [e.eventId, e]));
  const msg = new Map(messages.map((m) => [m.externalId, m.n]));
  return {
    events: acked.filter((id) => ev.get(id)?.n !== 1),
    messages: acked.filter((id) => msg.get(id) !== 1),
    unprocessed: acked.filter((id) => ev.get(id)?.processed !== 1),
  };
}

export interface Load {
  stop(): Promise<Delivery[]>;
  sent(): Delivery[];
}

/** Keeps posting the batch's requests in order (`concurrency` lanes, `gapMs` between posts of a
 *  lane) until stop() or the batch runs out; stop() waits for the requests in flight. */
export function startLoad(
  baseUrl: string,
  batch: SignedBatch,
  opts: { concurrency?: number; gapMs?: number; timeoutMs?: number } = {},
): Load {
  const done: Delivery[] = [];
  let next = 0,
    stopped = false;
  const lane = async () => {
    while (!stopped && next < batch.requests.length) {
      const i = next++;
      const one = { requests: [batch.requests[i]!], eventIds: [batch.eventIds[i]!], source: batch.source };
      done.push(...(await deliver(baseUrl, one, { concurrency: 1, timeoutMs: opts.timeoutMs })));
      if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
    }
  };
  const lanes = Promise.all(Array.from({ length: opts.concurrency ?? 4 }, lane));
  return {
    sent: () => [...done],
    async stop() {
      stopped = true;
      await lanes;
      return [...done];
    },
  };
}

export interface HeldBatch {
  /** Event ids (Meta mids) of the events claimed by the held batches: counted, not yet recorded. */
  claimed: string[];
  /** Lets the held batches go on (or, for a killed worker, lets PostgreSQL roll them back). */
  release(): Promise<void>;
}

/** Stops webhook processing in the middle of a batch, deterministically: a lock on "Message"
 *  makes the batch's ingest wait at its INSERT, after the batch claimed its events (attempts
 *  counted) and inside its open transaction. Resolves once a batch is waiting there. */
export async function holdMidBatch(ctx: AppContext, opts: { ms?: number } = {}): Promise<HeldBatch> {
  const lock = await ctx.pg.connect();
  await lock.query("BEGIN");
  await lock.query(`LOCK TABLE "Message" IN SHARE ROW EXCLUSIVE MODE`);
  const release = async () => {
    await lock.query("ROLLBACK").catch(() => undefined);
    lock.release();
  };
  try {
    const deadline = Date.now() + (opts.ms ?? 30_000);
    for (;;) {
      const { rows } = await ctx.pg.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO "Message"%'`,
      );
      if (rows[0]!.n > 0) break;
      if (Date.now() > deadline) throw new Error("no webhook batch reached its message insert while the lock was held");
      await new Promise((r) => setTimeout(r, 20));
    }
    const { rows } = await ctx.pg.query<{ eventId: string }>(
      `SELECT "eventId" FROM "WebhookEvent" WHERE source = 'facebook' AND status = 'received' AND attempts > 0`,
    );
    return { claimed: rows.map((r) => r.eventId), release };
  } catch (err) {
    await release();
    throw err;
  }
}

/** How often each of these Meta events was claimed for processing. */
export async function attemptsOf(ctx: AppContext, eventIds: string[]): Promise<number[]> {
  const { rows } = await ctx.pg.query<{ attempts: number }>(
    `SELECT attempts FROM "WebhookEvent" WHERE source = 'facebook' AND "eventId" = ANY($1::text[])`,
    [eventIds],
  );
  return rows.map((r) => r.attempts);
}
