// Per-address limit on rejected webhook deliveries (WEBHOOK_REJECTIONS_PER_IP, default 60 a
// minute): past it, that address is answered 429 before its body is read or any signature is
// computed. Only rejections count, so a genuine provider (whose deliveries verify) is never
// limited by someone else's forgeries; shared through Redis across replicas like the other limits.
import type { AppContext } from "../context.ts";
import { build, rateLimitBackend } from "../http/rate-limit.ts";

export const DEFAULT_WEBHOOK_REJECTIONS_PER_IP = { points: 60, durationSec: 60 };
const MAX_SUSPECTS = 10_000;

export function rejectionLimiter(ctx: AppContext) {
  const setting = ctx.config.env.WEBHOOK_REJECTIONS_PER_IP ?? DEFAULT_WEBHOOK_REJECTIONS_PER_IP;
  const limiter = build("webhook-rejected", setting, rateLimitBackend(ctx.config, ctx.redis), ctx.config.redisPrefix);
  const message = "Too many rejected webhook deliveries from this address. Try again later.";
  // Addresses this process rejected within the window. Only they are looked up in the shared
  // limiter, so a genuine delivery pays no Redis round trip before its ack; another replica's
  // forger is caught here after its first rejection on this process.
  const suspects = new Map<string, number>();
  return {
    /** Throws the 429 when the address is over its limit. */
    async check(ip: string): Promise<void> {
      const until = suspects.get(ip);
      if (until === undefined) return;
      if (until < Date.now()) return void suspects.delete(ip);
      await limiter.check(ip, message);
    },
    /** Counts one rejected delivery against the address (never throws). */
    async penalize(ip: string): Promise<void> {
      if (suspects.size >= MAX_SUSPECTS) suspects.clear();
      suspects.set(ip, Date.now() + setting.durationSec * 1000);
      await limiter.hit(ip, message).catch(() => undefined);
    },
  };
}
