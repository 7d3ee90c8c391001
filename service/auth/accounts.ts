// Account lifecycle: signup, email verification, resend, login. Each function takes
// validated input and either returns a result or throws an HttpError with a clear reason.
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import { conflict, HttpError, unauthorized } from "../http/errors.ts";
import { verificationEmail } from "../mail/templates.ts";
import { burnPasswordCheck, hashPassword, hashToken, newToken, verifyPassword } from "./crypto.ts";
import type { SignupBody } from "./schemas.ts";

const VERIFICATION_TTL_MS = 24 * 3600 * 1000;

export async function signup(ctx: AppContext, body: SignupBody): Promise<{ userId: string; verificationEmailSent: boolean }> {
  const passwordHash = await hashPassword(body.password);
  let user;
  try {
    // The unique index on email decides duplicates (no SELECT-then-INSERT race).
    user = await ctx.db.user.create({ data: { email: body.email, name: body.name, role: body.role, passwordHash } });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")
      throw conflict("An account with this email already exists. Log in instead.", "EMAIL_TAKEN");
    throw err;
  }
  const verificationEmailSent = await sendVerification(ctx, user);
  return { userId: user.id, verificationEmailSent };
}

/** Creates a fresh token and mails the link. A mail failure is logged, never thrown: signup must not fail on it. */
async function sendVerification(ctx: AppContext, user: { id: string; email: string; name: string }): Promise<boolean> {
  const { token, hash } = newToken();
  await ctx.db.emailVerificationToken.create({
    data: { userId: user.id, tokenHash: hash, expiresAt: new Date(Date.now() + VERIFICATION_TTL_MS) },
  });
  const link = `${ctx.config.publicUrl}/verify-email?token=${token}`;
  try {
    await ctx.mailer.send(verificationEmail(user.email, user.name, link));
    return true;
  } catch (err) {
    ctx.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, userId: user.id }, "verification email could not be sent");
    return false;
  }
}

export async function verifyEmail(ctx: AppContext, token: string): Promise<{ email: string }> {
  const row = await ctx.db.emailVerificationToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!row) throw new HttpError(400, "TOKEN_INVALID", "This verification link is not valid. Request a new one.");
  if (row.usedAt) throw new HttpError(400, "TOKEN_USED", "This verification link has already been used. You can log in.");
  if (row.expiresAt < new Date()) throw new HttpError(400, "TOKEN_EXPIRED", "This verification link has expired. Request a new one.");
  // Single use even under concurrent clicks: only one update can flip usedAt from null.
  const now = new Date();
  const claimed = await ctx.db.$transaction(async (tx) => {
    const { count } = await tx.emailVerificationToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } });
    if (count === 1) await tx.user.updateMany({ where: { id: row.userId, emailVerifiedAt: null }, data: { emailVerifiedAt: now } });
    return count === 1;
  });
  if (!claimed) throw new HttpError(400, "TOKEN_USED", "This verification link has already been used. You can log in.");
  return { email: row.user.email };
}

/** Always succeeds from the caller's view (no account enumeration); mails only unverified accounts. */
export async function resendVerification(ctx: AppContext, email: string): Promise<void> {
  await ctx.limits.resend.hit(email, "Too many verification emails requested for this address. Try again later.");
  const user = await ctx.db.user.findUnique({ where: { email } });
  if (user && !user.emailVerifiedAt) await sendVerification(ctx, user);
}

const LOGIN_LIMITED = "Too many failed sign-in attempts. Try again later.";

/**
 * Failed logins are counted per client IP (checked before any hashing, so guessing cannot burn
 * scrypt time) and per account+IP: a stranger's wrong passwords never lock the owner out from
 * their own network. A correct password resets only the caller's account+IP counter.
 */
export async function login(ctx: AppContext, email: string, password: string, ip: string) {
  const accountKey = `${email}|${ip}`;
  await ctx.limits.loginFailuresIp.check(ip, LOGIN_LIMITED);
  await ctx.limits.loginFailures.check(accountKey, LOGIN_LIMITED);
  const user = await ctx.db.user.findUnique({ where: { email } });
  const ok = user ? await verifyPassword(password, user.passwordHash) : (await burnPasswordCheck(password), false);
  if (!user || !ok) {
    await Promise.all([ctx.limits.loginFailuresIp.hit(ip, LOGIN_LIMITED), ctx.limits.loginFailures.hit(accountKey, LOGIN_LIMITED)]).catch(() => undefined);
    throw unauthorized("Email or password is incorrect.", "INVALID_CREDENTIALS");
  }
  // Only someone who knows the password learns the account is unverified.
  if (!user.emailVerifiedAt)
    throw new HttpError(403, "EMAIL_NOT_VERIFIED", "Verify your email before signing in. Check your inbox for the link, or request a new one.", { canResend: true });
  await ctx.limits.loginFailures.reset(accountKey);
  return user;
}
