// Rate limits for signup, failed logins (per account+IP and per IP), password resets, verification resends and the public artist search: shared across replicas
// through Redis (TCP) when configured, else through Upstash's REST API when only the Upstash pair
// is set (the launch document's setup on Vercel), else in memory. Shared backends fall back to
// memory while they are down.
import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import type * as Flexible from "rate-limiter-flexible";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config, RateLimitSetting } from "../config/load.ts";
import { tooManyRequests } from "./errors.ts";
import type { Limiter } from "./limiter.ts";
import { upstashLimiter, type UpstashClient, upstashClient } from "./upstash-limiter.ts";

export type { Limiter };

// Only the three limiter modules used: the package's index requires every store it supports
// (Mongo, MySQL, DynamoDB, etcd…), a good part of what a cold start used to load.
const requireHere = createRequire(import.meta.url);
const RateLimiterMemory = requireHere(
  "rate-limiter-flexible/lib/RateLimiterMemory.js",
) as typeof Flexible.RateLimiterMemory;
const RateLimiterRedis = requireHere(
  "rate-limiter-flexible/lib/RateLimiterRedis.js",
) as typeof Flexible.RateLimiterRedis;
const RateLimiterRes = requireHere("rate-limiter-flexible/lib/RateLimiterRes.js") as typeof Flexible.RateLimiterRes;

/** Where the counters live: shared across replicas (redis, upstash) or per process (memory). */
export type RateLimitBackend =
  | { kind: "redis"; redis: Redis }
  | { kind: "upstash"; client: UpstashClient }
  | { kind: "memory" };

/** TCP Redis first (it also carries the queue), then Upstash REST, then memory. */
export function rateLimitBackend(config: Config, redis: Redis | undefined): RateLimitBackend {
  if (redis) return { kind: "redis", redis };
  if (config.upstash) return { kind: "upstash", client: upstashClient(config.upstash) };
  return { kind: "memory" };
}

class FlexibleLimiter implements Limiter {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  /** Counts one hit; throws a 429 HttpError (with Retry-After) when over the limit. */
  async hit(key: string, message?: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes)
        throw tooManyRequests(Math.max(1, Math.ceil(err.msBeforeNext / 1000)), message);
      throw err;
    }
  }

  /** Throws a 429 if the key is already over the limit, without counting a hit. */
  async check(key: string, message?: string): Promise<void> {
    const res = await this.limiter.get(key);
    if (res && res.consumedPoints >= this.limiter.points)
      throw tooManyRequests(Math.max(1, Math.ceil(res.msBeforeNext / 1000)), message);
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** A limiter on the given backend (memory as insurance while a shared one is down). */
export function build(name: string, setting: RateLimitSetting, backend: RateLimitBackend, prefix: string): Limiter {
  const opts = { points: setting.points, duration: setting.durationSec, keyPrefix: `${prefix}:rl:${name}` };
  const memory = new RateLimiterMemory(opts);
  if (backend.kind === "upstash")
    return upstashLimiter(backend.client, setting, opts.keyPrefix, new FlexibleLimiter(memory));
  return new FlexibleLimiter(
    backend.kind === "redis"
      ? new RateLimiterRedis({ ...opts, storeClient: backend.redis, insuranceLimiter: memory })
      : memory,
  );
}

export function createLimits(config: Config, redis: Redis | undefined) {
  const backend = rateLimitBackend(config, redis);
  return {
    /** Which backend counts (readiness reports it). */
    backend: backend.kind,
    signup: build("signup", config.rateLimits.signup, backend, config.redisPrefix),
    /** Keyed by email + client IP: guesses from one network never lock the owner out from another. */
    loginFailures: build("login-fail", config.rateLimits.loginFailures, backend, config.redisPrefix),
    /** Keyed by client IP alone, checked before scrypt runs. */
    loginFailuresIp: build("login-fail-ip", config.rateLimits.loginFailuresIp, backend, config.redisPrefix),
    passwordReset: build("pw-reset", config.rateLimits.passwordReset, backend, config.redisPrefix),
    passwordResetIp: build("pw-reset-ip", config.rateLimits.passwordResetIp, backend, config.redisPrefix),
    resend: build("resend", config.rateLimits.resend, backend, config.redisPrefix),
    search: build("search", config.rateLimits.search, backend, config.redisPrefix),
    bookingRequests: build("booking-requests", config.rateLimits.bookingRequests, backend, config.redisPrefix),
    suggestReply: build("suggest-reply", config.rateLimits.suggestReply, backend, config.redisPrefix),
    syncNow: build("sync-now", config.rateLimits.syncNow, backend, config.redisPrefix),
  };
}
export type Limits = ReturnType<typeof createLimits>;
