// Ground truth of the webhook benchmark, read straight from PostgreSQL with `pg` (not through
// the service): is every accepted webhook stored exactly once as a WebhookEvent, did processing
// turn each into exactly one Message, and is nothing duplicated anywhere.
import pg from "pg";
import type { BenchSource } from "./webhooks-data.ts";

export interface SourceCounts {
  /** WebhookEvent rows whose eventId is one of the accepted ones / how many distinct ids they hold. */
  eventRows: number;
  eventDistinct: number;
  /** Rows for requests that were sent but never answered (allowed: 0 or 1 each). */
  unansweredRows: number;
  unansweredDistinct: number;
  /** Rows for requests that were never sent (must be 0). */
  unsentRows: number;
  /** Message rows of the channel's account(s) with those external ids / distinct. */
  messageRows: number;
  messageDistinct: number;
  byStatus: Record<string, number>;
}

export interface GlobalCounts {
  webhookEvents: number;
  messages: number;
  rejected: number;
  /** Message externalIds present more than once (GROUP BY "externalId" HAVING count(*) > 1). */
  duplicateMessages: number;
  /** (source, eventId) pairs present more than once. */
  duplicateEvents: number;
}

export class Checker {
  private readonly pool: pg.Pool;

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  }

  private async one<T>(sql: string, params: unknown[] = []): Promise<T> {
    const r = await this.pool.query(sql, params);
    return r.rows[0] as T;
  }

  async source(
    source: BenchSource,
    ids: { accepted: string[]; unanswered: string[]; unsent: string[] },
  ): Promise<SourceCounts> {
    const events = (list: string[]) =>
      this.one<{ rows: string; distinct: string }>(
        `SELECT count(*) AS rows, count(DISTINCT "eventId") AS distinct FROM "WebhookEvent" WHERE source = $1 AND "eventId" = ANY($2::text[])`,
        [source, list],
      );
    const accepted = await events(ids.accepted);
    const unanswered = await events(ids.unanswered);
    const unsent = await events(ids.unsent);
    const messages = await this.one<{ rows: string; distinct: string }>(
      `SELECT count(*) AS rows, count(DISTINCT m."externalId") AS distinct FROM "Message" m JOIN "ConnectedAccount" a ON a.id = m."accountId"
       WHERE a.provider = $1 AND m."externalId" = ANY($2::text[])`,
      [source, ids.accepted],
    );
    const statuses = await this.pool.query(
      `SELECT status, count(*) AS n FROM "WebhookEvent" WHERE source = $1 AND "eventId" = ANY($2::text[]) GROUP BY status`,
      [source, ids.accepted],
    );
    return {
      eventRows: Number(accepted.rows),
      eventDistinct: Number(accepted.distinct),
      unansweredRows: Number(unanswered.rows),
      unansweredDistinct: Number(unanswered.distinct),
      unsentRows: Number(unsent.rows),
      messageRows: Number(messages.rows),
      messageDistinct: Number(messages.distinct),
      byStatus: Object.fromEntries(statuses.rows.map((r: { status: string; n: string }) => [r.status, Number(r.n)])),
    };
  }

  async global(): Promise<GlobalCounts> {
    const r = await this.one<Record<keyof GlobalCounts, string>>(`SELECT
      (SELECT count(*) FROM "WebhookEvent") AS "webhookEvents",
      (SELECT count(*) FROM "Message") AS messages,
      -- Rejections are counters now (service/webhooks/rejections.ts); Redis-counted ones are not seen here.
      (SELECT count(*) FROM "WebhookEvent" WHERE status = 'rejected') + (SELECT coalesce(sum(count), 0) FROM "WebhookRejectionCount") AS rejected,
      (SELECT count(*) FROM (SELECT "externalId" FROM "Message" GROUP BY "externalId" HAVING count(*) > 1) d) AS "duplicateMessages",
      (SELECT count(*) FROM (SELECT source, "eventId" FROM "WebhookEvent" WHERE "eventId" IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d) AS "duplicateEvents"`);
    return {
      webhookEvents: Number(r.webhookEvents),
      messages: Number(r.messages),
      rejected: Number(r.rejected),
      duplicateMessages: Number(r.duplicateMessages),
      duplicateEvents: Number(r.duplicateEvents),
    };
  }

  /** Items of these ids still waiting for (or failed in) processing. */
  async unfinished(source: BenchSource, ids: string[]): Promise<{ received: number; failed: number }> {
    const r = await this.one<{ received: string; failed: string }>(
      `SELECT count(*) FILTER (WHERE status = 'received') AS received, count(*) FILTER (WHERE status = 'failed') AS failed
       FROM "WebhookEvent" WHERE source = $1 AND "eventId" = ANY($2::text[])`,
      [source, ids],
    );
    return { received: Number(r.received), failed: Number(r.failed) };
  }

  /** The error text of a few failed items (for the problems list). */
  async failures(limit = 3): Promise<string[]> {
    const r = await this.pool.query(
      `SELECT source, error, count(*) AS n FROM "WebhookEvent" WHERE status = 'failed' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT $1`,
      [limit],
    );
    return r.rows.map(
      (x: { source: string; error: string | null; n: string }) =>
        `${x.source}: ${x.n}× ${String(x.error ?? "").slice(0, 200)}`,
    );
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
