// Per-user upload quota (UPLOAD_QUOTA_MB): one counter row per user, raised by a single
// conditional upsert so parallel uploads can never take a user past the quota together.
import type { AppContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";

export const quotaBytes = (ctx: AppContext) => (ctx.config.env.UPLOAD_QUOTA_MB ?? 1024) * 1024 * 1024;

export function quotaExceeded(ctx: AppContext, usedBytes?: number): HttpError {
  const mb = ctx.config.env.UPLOAD_QUOTA_MB ?? 1024;
  const used = usedBytes === undefined ? "" : ` You have used ${Math.round((usedBytes / 1024 / 1024) * 10) / 10} MB.`;
  return new HttpError(
    413,
    "STORAGE_QUOTA_EXCEEDED",
    `This upload would take you past your storage quota of ${mb} MB.${used}`,
    { quotaMb: mb },
  );
}

export async function usedUploadBytes(ctx: AppContext, userId: string): Promise<number> {
  const row = await ctx.db.uploadUsage.findUnique({ where: { userId } });
  return row ? Number(row.bytes) : 0;
}

/** Counts `bytes` against the user's quota, or throws 413 STORAGE_QUOTA_EXCEEDED and counts nothing. */
export async function reserveUploadBytes(ctx: AppContext, userId: string, bytes: number): Promise<void> {
  if (bytes <= 0) return;
  const quota = quotaBytes(ctx);
  if (bytes > quota) throw quotaExceeded(ctx, await usedUploadBytes(ctx, userId));
  const rows = await ctx.db.$queryRaw<{ bytes: bigint }[]>`
    INSERT INTO "UploadUsage" ("userId", "bytes", "updatedAt") VALUES (${userId}::uuid, ${bytes}, now())
    ON CONFLICT ("userId") DO UPDATE SET "bytes" = "UploadUsage"."bytes" + EXCLUDED."bytes", "updatedAt" = now()
    WHERE "UploadUsage"."bytes" + EXCLUDED."bytes" <= ${quota}
    RETURNING "bytes"`;
  if (!rows.length) throw quotaExceeded(ctx, await usedUploadBytes(ctx, userId));
}

/** Gives bytes back (an upload that was stored but then refused). */
export async function releaseUploadBytes(ctx: AppContext, userId: string, bytes: number): Promise<void> {
  if (bytes <= 0) return;
  await ctx.db
    .$executeRaw`UPDATE "UploadUsage" SET "bytes" = GREATEST("bytes" - ${bytes}, 0), "updatedAt" = now() WHERE "userId" = ${userId}::uuid`;
}
