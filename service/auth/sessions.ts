// Server-side sessions: an httpOnly cookie holds a random token; Postgres holds its hash,
// so a session can be revoked and a stolen database row cannot be replayed as a cookie.
import { Prisma } from "../db/client.ts";
import { queryOn } from "../db/sql.ts";
import { randomBytes } from "node:crypto";
import type { Request, Response } from "express";
import type { AppContext } from "../context.ts";
import { hashToken, newToken } from "./crypto.ts";

export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
const TOUCH_EVERY_MS = 5 * 60 * 1000;

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: "customer" | "artist";
  isAdmin: boolean;
}

/**
 * ADMIN_EMAILS grants admin only to a verified address whose password its owner set (verification
 * link, reset link or a signed-in change): whoever typed a password at a stranger's signup never qualifies.
 */
export function isAdminAccount(
  ctx: AppContext,
  user: { email: string; emailVerifiedAt: Date | null; passwordSetByOwnerAt: Date | null },
): boolean {
  return (
    ctx.config.adminEmails.includes(user.email) && user.emailVerifiedAt !== null && user.passwordSetByOwnerAt !== null
  );
}

export function cookieNames(ctx: AppContext) {
  const secure = ctx.config.publicUrl.startsWith("https://");
  // __Host- binds the cookie to this exact host over https (no Domain, Path=/).
  return {
    session: secure ? "__Host-tatu_session" : "tatu_session",
    csrf: secure ? "__Host-tatu_csrf" : "tatu_csrf",
    secure,
  };
}

export async function startSession(ctx: AppContext, req: Request, res: Response, userId: string): Promise<string> {
  const { token, hash } = newToken();
  const csrfToken = randomBytes(24).toString("base64url");
  await ctx.db.session.create({
    data: {
      userId,
      tokenHash: hash,
      csrfToken,
      userAgent: req.get("user-agent")?.slice(0, 300),
      ip: req.ip,
      expiresAt: new Date(Date.now() + SESSION_TTL_MS),
    },
  });
  const names = cookieNames(ctx);
  const base = { ...cookieAttributes(ctx), maxAge: SESSION_TTL_MS };
  res.cookie(names.session, token, { ...base, httpOnly: true });
  // Readable by the page's script, which echoes it in x-csrf-token (double submit).
  res.cookie(names.csrf, csrfToken, { ...base, httpOnly: false });
  return csrfToken;
}

/** Set and cleared with the same attributes: a browser ignores a `__Host-` Set-Cookie without Secure. */
function cookieAttributes(ctx: AppContext) {
  return { sameSite: "lax" as const, secure: cookieNames(ctx).secure, path: "/" };
}

export function clearSessionCookies(ctx: AppContext, res: Response): void {
  const names = cookieNames(ctx);
  res.clearCookie(names.session, { ...cookieAttributes(ctx), httpOnly: true });
  res.clearCookie(names.csrf, cookieAttributes(ctx));
}

export async function loadSession(ctx: AppContext, req: Request) {
  const token = req.cookies?.[cookieNames(ctx).session];
  if (typeof token !== "string" || !token) return undefined;
  // Every signed-in request runs this: one indexed join on the pool (two ORM queries before).
  const [session] = await queryOn(ctx.pg)<{
    id: string;
    csrfToken: string;
    lastSeenAt: Date;
    userId: string;
    email: string;
    name: string;
    role: "customer" | "artist";
    emailVerifiedAt: Date | null;
    passwordSetByOwnerAt: Date | null;
  }>(Prisma.sql`
    SELECT s.id, s."csrfToken", s."lastSeenAt", u.id AS "userId", u.email, u.name, u.role::text AS role, u."emailVerifiedAt", u."passwordSetByOwnerAt"
    FROM "Session" s JOIN "User" u ON u.id = s."userId"
    WHERE s."tokenHash" = ${hashToken(token)} AND s."revokedAt" IS NULL AND s."expiresAt" > now()`);
  if (!session) return undefined;
  if (Date.now() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS)
    await ctx.db.session.update({ where: { id: session.id }, data: { lastSeenAt: new Date() } });
  const user: SessionUser = {
    id: session.userId,
    email: session.email,
    name: session.name,
    role: session.role,
    isAdmin: isAdminAccount(ctx, session),
  };
  return { id: session.id, csrfToken: session.csrfToken, user };
}

export async function endSession(ctx: AppContext, res: Response, sessionId: string): Promise<void> {
  await revokeSessions(ctx, { sessionId });
  clearSessionCookies(ctx, res);
}

/**
 * Revokes live sessions (one, or all of a user's, optionally but one) and closes their WebSockets on
 * every replica. Every revocation goes through here so no signed-out session keeps a live socket.
 */
export async function revokeSessions(
  ctx: AppContext,
  which: { sessionId: string } | { userId: string; exceptSessionId?: string },
): Promise<string[]> {
  const where =
    "sessionId" in which
      ? Prisma.sql`id = ${which.sessionId}::uuid`
      : which.exceptSessionId
        ? Prisma.sql`"userId" = ${which.userId}::uuid AND id <> ${which.exceptSessionId}::uuid`
        : Prisma.sql`"userId" = ${which.userId}::uuid`;
  const rows = await queryOn(ctx.pg)<{ id: string }>(Prisma.sql`
    UPDATE "Session" SET "revokedAt" = now() AT TIME ZONE 'UTC' WHERE ${where} AND "revokedAt" IS NULL RETURNING id`);
  const ids = rows.map((r) => r.id);
  await ctx.realtime.closeSessions(ids);
  return ids;
}
