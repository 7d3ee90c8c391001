// Rate limits counted in Upstash Redis through its REST API (@upstash/ratelimit), for
// deployments that have the launch document's UPSTASH_REDIS_REST_URL/TOKEN and no TCP Redis
// (Vercel functions). A fixed window, like the TCP Redis limiter. While Upstash is unreachable
// the process's own memory limiter counts instead, so a limit never turns into "no limit".
import { createRequire } from "node:module";
import type { Ratelimit as UpstashRatelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis";
import type { RateLimitSetting } from "../config/load.ts";
import { tooManyRequests } from "./errors.ts";
import type { Limiter } from "./limiter.ts";

export type UpstashClient = Redis;

// Required only where Upstash is configured (their CommonJS builds), not at every boot.
const requireHere = createRequire(import.meta.url);
const upstashRedis = () => (requireHere("@upstash/redis") as { Redis: typeof Redis }).Redis;
const upstashRatelimit = () => (requireHere("@upstash/ratelimit") as { Ratelimit: typeof UpstashRatelimit }).Ratelimit;

/** One REST client per process; no retries: a limit check must not wait seconds on an outage. */
export function upstashClient(opts: { url: string; token: string }): UpstashClient {
  const Redis = upstashRedis();
  return new Redis({ url: opts.url, token: opts.token, retry: false, enableTelemetry: false });
}

const retryAfterSec = (resetAtMs: number) => Math.max(1, Math.ceil((resetAtMs - Date.now()) / 1000));

export function upstashLimiter(
  client: UpstashClient,
  setting: RateLimitSetting,
  prefix: string,
  insurance: Limiter,
): Limiter {
  const Ratelimit = upstashRatelimit();
  const ratelimit = new Ratelimit({
    redis: client,
    limiter: Ratelimit.fixedWindow(setting.points, `${setting.durationSec} s`),
    prefix,
    // Blocked keys must unblock on reset() at once, on every replica: no per-process cache.
    ephemeralCache: false,
    analytics: false,
    timeout: 2000,
  });
  /** Runs against Upstash; on a network or server error the memory limiter answers instead. */
  const orInsurance = async (upstash: () => Promise<void>, memory: () => Promise<void>) => {
    try {
      await upstash();
    } catch (err) {
      if ((err as { status?: number }).status === 429) throw err;
      await memory();
    }
  };
  return {
    hit: (key, message) =>
      orInsurance(
        async () => {
          const r = await ratelimit.limit(key);
          if (!r.success) throw tooManyRequests(retryAfterSec(r.reset), message);
        },
        () => insurance.hit(key, message),
      ),
    check: (key, message) =>
      orInsurance(
        async () => {
          const r = await ratelimit.getRemaining(key);
          if (r.remaining <= 0) throw tooManyRequests(retryAfterSec(r.reset), message);
        },
        () => insurance.check(key, message),
      ),
    reset: (key) =>
      orInsurance(
        () => ratelimit.resetUsedTokens(key),
        () => insurance.reset(key),
      ),
  };
}
