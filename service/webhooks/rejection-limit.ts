// Per-address limit on rejected webhook deliveries (WEBHOOK_REJECTIONS_PER_IP, default 60 a
// minute): past it, that address is answered 429 before its body is read or any signature is
// computed. Only rejections count, so a genuine provider (whose deliveries verify) is never
// limited by someone else's forgeries; shared through Redis across replicas like the other limits.
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import type { AppContext } from "../context.ts";
import { Limiter } from "../http/rate-limit.ts";

export const DEFAULT_WEBHOOK_REJECTIONS_PER_IP = { points: 60, durationSec: 60 };

export function rejectionLimiter(ctx: AppContext) {
  const setting = ctx.config.env.WEBHOOK_REJECTIONS_PER_IP ?? DEFAULT_WEBHOOK_REJECTIONS_PER_IP;
  const opts = { points: setting.points, duration: setting.durationSec, keyPrefix: `${ctx.config.redisPrefix}:rl:webhook-rejected` };
  const memory = new RateLimiterMemory(opts);
  const limiter = new Limiter(ctx.redis ? new RateLimiterRedis({ ...opts, storeClient: ctx.redis, insuranceLimiter: memory }) : memory);
  const message = "Too many rejected webhook deliveries from this address. Try again later.";
  return {
    /** Throws the 429 when the address is over its limit. */
    check: (ip: string) => limiter.check(ip, message),
    /** Counts one rejected delivery against the address (never throws). */
    penalize: (ip: string) => limiter.hit(ip, message).catch(() => undefined),
  };
}
