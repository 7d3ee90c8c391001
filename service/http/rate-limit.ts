// Rate limits for signup, failed logins (per account+IP and per IP), password resets, verification resends and the public artist search: shared across replicas
// through Redis when configured (falling back to memory if Redis is down), in memory otherwise.
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config, RateLimitSetting } from "../config/load.ts";
import { tooManyRequests } from "./errors.ts";

export class Limiter {
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

/** A limiter shared through Redis when configured (memory as insurance while Redis is down), else in memory. */
export function build(name: string, setting: RateLimitSetting, redis: Redis | undefined, prefix: string): Limiter {
  const opts = { points: setting.points, duration: setting.durationSec, keyPrefix: `${prefix}:rl:${name}` };
  const memory = new RateLimiterMemory(opts);
  return new Limiter(redis ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: memory }) : memory);
}

export function createLimits(config: Config, redis: Redis | undefined) {
  return {
    signup: build("signup", config.rateLimits.signup, redis, config.redisPrefix),
    /** Keyed by email + client IP: guesses from one network never lock the owner out from another. */
    loginFailures: build("login-fail", config.rateLimits.loginFailures, redis, config.redisPrefix),
    /** Keyed by client IP alone, checked before scrypt runs. */
    loginFailuresIp: build("login-fail-ip", config.rateLimits.loginFailuresIp, redis, config.redisPrefix),
    passwordReset: build("pw-reset", config.rateLimits.passwordReset, redis, config.redisPrefix),
    passwordResetIp: build("pw-reset-ip", config.rateLimits.passwordResetIp, redis, config.redisPrefix),
    resend: build("resend", config.rateLimits.resend, redis, config.redisPrefix),
    search: build("search", config.rateLimits.search, redis, config.redisPrefix),
    bookingRequests: build("booking-requests", config.rateLimits.bookingRequests, redis, config.redisPrefix),
    suggestReply: build("suggest-reply", config.rateLimits.suggestReply, redis, config.redisPrefix),
    syncNow: build("sync-now", config.rateLimits.syncNow, redis, config.redisPrefix),
  };
}
export type Limits = ReturnType<typeof createLimits>;
