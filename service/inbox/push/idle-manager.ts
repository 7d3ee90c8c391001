// IMAP push on long-running workers (`npm run worker`, `npm start` with its in-process worker).
// Every few seconds a worker: beats in Redis, lists the mailboxes that can push (active, provider
// switch on), renews the leases it holds, gives up those it should not hold (account gone,
// switched off, above its fair share) and takes free leases up to its share (at most
// IMAP_IDLE_MAX_PER_WORKER; the rest keep polling). It opens IDLE only for mailboxes whose lease
// it holds, so two workers never IDLE one mailbox; a dead worker's leases expire and another
// worker takes them over. New mail queues the account's normal sync job: the one ingest path.
import { randomUUID } from "node:crypto";
import type { AppContext } from "../../context.ts";
import { allChannelProviders, channelProvider } from "../../providers/registry.ts";
import type { MailboxWatch } from "../../providers/kit/channel.ts";
import { providerEnv, toProviderAccount } from "../../integrations/accounts.ts";
import { syncJob } from "../jobs.ts";
import { keys, liveWorkers, pushPossible } from "./state.ts";

export interface IdleManagerOptions {
  /** Lease owner id (one per manager). */
  owner?: string;
  max?: number;
  leaseMs?: number;
  /** How often leases are renewed and taken (a third of the lease or less). */
  scanMs?: number;
  /** NOOP + re-IDLE at least this often (RFC 2177: servers may drop after 29 min). */
  refreshMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

interface Held {
  provider: string;
  watch?: MailboxWatch;
  connecting: boolean;
  failures: number;
  retryAt: number;
  syncWanted: boolean;
  /** When the lease was last taken or renewed. */
  renewedAt: number;
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const CONNECTS_AT_ONCE = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/** Exponential backoff with jitter (half fixed, half random), capped. */
export function backoffMs(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}

export class IdleManager {
  readonly owner: string;
  private readonly held = new Map<string, Held>();
  private readonly o: Required<Omit<IdleManagerOptions, "owner">>;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: AppContext,
    opts: IdleManagerOptions = {},
  ) {
    const leaseMs = opts.leaseMs ?? (ctx.config.env.IMAP_IDLE_LEASE_SECONDS ?? 20) * 1000;
    this.owner = opts.owner ?? randomUUID();
    this.o = {
      max: opts.max ?? ctx.config.env.IMAP_IDLE_MAX_PER_WORKER ?? 200,
      leaseMs,
      scanMs: opts.scanMs ?? Math.max(200, Math.floor(leaseMs / 4)),
      refreshMs: opts.refreshMs ?? 25 * 60_000,
      backoffBaseMs: opts.backoffBaseMs ?? 2_000,
      backoffMaxMs: opts.backoffMaxMs ?? 5 * 60_000,
    };
  }

  start(): this {
    this.timer = setInterval(() => void this.tick(), this.o.scanMs);
    void this.tick();
    return this;
  }

  /** Accounts this manager holds a lease for, and whether each one is idling. */
  holding(): Map<string, boolean> {
    return new Map([...this.held].map(([id, h]) => [id, Boolean(h.watch?.healthy())]));
  }

  /** One round (also run by the timer); never overlaps itself. */
  tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch(async (err: unknown) => {
        this.ctx.log.warn({ err: (err as Error).message }, "imap push round failed");
        // Redis unreachable: a lease not renewed in time may be another worker's by now.
        const now = Date.now();
        for (const [id, h] of [...this.held])
          if (now - h.renewedAt >= this.o.leaseMs * 0.9) await this.drop(id, { lost: true });
      })
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.held.keys()].map((id) => this.drop(id)));
    await this.ctx.redis?.hdel(keys(this.ctx).workers, this.owner).catch(() => undefined);
  }

  private async round(): Promise<void> {
    const redis = this.ctx.redis!;
    const k = keys(this.ctx);
    const { leaseMs, max } = this.o;
    await redis.hset(k.workers, this.owner, JSON.stringify({ at: Date.now(), held: this.held.size, ttlMs: leaseMs }));
    const [workers, candidates] = await Promise.all([liveWorkers(this.ctx), this.candidates()]);
    if (this.stopped) return;

    // Renew what is still wanted; drop what is not (disconnected, disabled, switched off) or lost.
    for (const id of [...this.held.keys()]) {
      if (!candidates.has(id)) {
        await this.drop(id);
        continue;
      }
      if ((await redis.eval(RENEW, 1, k.lease(id), this.owner, leaseMs)) !== 1) {
        await this.drop(id, { lost: true });
        continue;
      }
      const h = this.held.get(id);
      if (h) h.renewedAt = Date.now();
      if (h?.watch?.healthy()) await redis.set(k.ok(id), this.owner, "PX", leaseMs);
      else await redis.del(k.ok(id));
    }

    // A fair share: the live workers split the mailboxes; the rest wait for a lease to free up.
    const share = Math.min(max, Math.ceil(candidates.size / Math.max(1, workers.size)));
    const surplus = [...this.held.keys()].sort((a, b) => this.rank(a) - this.rank(b)).slice(share);
    for (const id of surplus) await this.drop(id);
    for (const [id, provider] of shuffled([...candidates])) {
      if (this.held.size >= share || this.stopped) break;
      if (this.held.has(id)) continue;
      if ((await redis.set(k.lease(id), this.owner, "PX", leaseMs, "NX")) !== "OK") continue;
      this.held.set(id, {
        provider,
        connecting: false,
        failures: 0,
        retryAt: 0,
        syncWanted: false,
        renewedAt: Date.now(),
      });
    }

    // Logins spread over rounds: a worker taking 200 mailboxes does not open 200 at once.
    const now = Date.now();
    let connecting = [...this.held.values()].filter((h) => h.connecting).length;
    for (const [id, h] of this.held) {
      if (connecting >= CONNECTS_AT_ONCE) break;
      if (h.watch || h.connecting || h.retryAt > now) continue;
      connecting++;
      void this.connect(id, h);
    }
  }

  /** Connected first, so a surplus (the tail) gives away what costs nothing to give. */
  private rank(id: string): number {
    return this.held.get(id)?.watch ? 0 : 1;
  }

  /** Active accounts of push-capable providers whose provider switch is on. */
  private async candidates(): Promise<Map<string, string>> {
    const providers: string[] = [];
    for (const p of allChannelProviders())
      if (p.watch && (await this.ctx.switches.isEnabled(`provider.${p.id}`))) providers.push(p.id);
    if (!providers.length) return new Map();
    const rows = await this.ctx.db.connectedAccount.findMany({
      where: { status: "active", provider: { in: providers } },
      select: { id: true, provider: true },
      orderBy: { createdAt: "asc" },
    });
    return new Map(rows.map((r) => [r.id, r.provider]));
  }

  private async connect(id: string, h: Held): Promise<void> {
    h.connecting = true;
    try {
      const row = await this.ctx.db.connectedAccount.findUnique({ where: { id } });
      const provider = row && channelProvider(row.provider);
      if (!row || row.status !== "active" || !provider?.watch) return;
      const watch = await provider.watch(providerEnv(this.ctx), toProviderAccount(this.ctx, row), {
        onNewMail: () => void this.requestSync(id),
        refreshMs: this.o.refreshMs,
      });
      if (this.held.get(id) !== h) {
        await watch.close(); // dropped while connecting
        return;
      }
      h.watch = watch;
      h.failures = 0;
      void this.ctx.redis?.set(keys(this.ctx).ok(id), this.owner, "PX", this.o.leaseMs).catch(() => undefined);
      this.ctx.log.info({ accountId: id }, "imap push: idling");
      // Mail that came while no connection listened (worker start, reconnect) is caught up now.
      void this.requestSync(id);
      void watch.closed.then((err) => {
        if (this.held.get(id) !== h || h.watch !== watch) return;
        h.watch = undefined;
        this.failed(id, h, err);
      });
    } catch (err) {
      if (this.held.get(id) === h) this.failed(id, h, err as Error);
    } finally {
      h.connecting = false;
    }
  }

  private failed(id: string, h: Held, err: Error | undefined): void {
    h.failures++;
    h.retryAt = Date.now() + backoffMs(h.failures, this.o.backoffBaseMs, this.o.backoffMaxMs);
    void this.ctx.redis?.del(keys(this.ctx).ok(id)).catch(() => undefined);
    this.ctx.log.warn(
      { accountId: id, failures: h.failures, retryInMs: h.retryAt - Date.now(), err: err?.message },
      "imap push connection ended; reconnecting with backoff (polling covers the gap)",
    );
  }

  /** Queues the account's sync. A sync already queued or running may have missed this mail, so
   *  the request is repeated until a fresh job is queued (the job id allows one per account). */
  private async requestSync(id: string): Promise<void> {
    const h = this.held.get(id);
    if (!h || h.syncWanted) return;
    h.syncWanted = true;
    try {
      for (let i = 0; i < 60 && this.held.get(id) === h && !this.stopped; i++) {
        const r = await this.ctx.queue.add(syncJob(id, h.provider, "push"));
        if (r.status !== "duplicate") return;
        await sleep(backoffMs(1, 1_000, 1_000) + 500);
      }
    } catch (err) {
      this.ctx.log.warn({ accountId: id, err: (err as Error).message }, "imap push could not queue a sync");
    } finally {
      h.syncWanted = false;
    }
  }

  private async drop(id: string, opts: { lost?: boolean } = {}): Promise<void> {
    const h = this.held.get(id);
    if (!h) return;
    this.held.delete(id);
    const k = keys(this.ctx);
    await h.watch?.close().catch(() => undefined);
    await this.ctx.redis?.eval(RELEASE, 1, k.ok(id), this.owner).catch(() => undefined);
    if (!opts.lost) await this.ctx.redis?.eval(RELEASE, 1, k.lease(id), this.owner).catch(() => undefined);
  }
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Starts push on this long-running process where it can run (BullMQ on Redis); else undefined. */
export function startImapPush(ctx: AppContext, opts: IdleManagerOptions = {}): IdleManager | undefined {
  if (!pushPossible(ctx)) return undefined;
  const manager = new IdleManager(ctx, opts).start();
  ctx.log.info({ owner: manager.owner, max: ctx.config.env.IMAP_IDLE_MAX_PER_WORKER ?? 200 }, "imap push running");
  return manager;
}
