// Manual "sync now" calls the provider on the server's API quota, so it is counted per user —
// inbox accounts and calendars together (RATE_LIMIT_SYNC_NOW). Scheduled syncs are not counted.
import type { AppContext } from "../context.ts";

/** Counts a manual sync against the user's limit; throws a 429 when they started too many. */
export async function countManualSync(ctx: AppContext, userId: string): Promise<void> {
  await ctx.limits.syncNow.hit(
    userId,
    "You started many manual syncs in a short time. Your accounts also sync on their own; try again in a few minutes.",
  );
}
