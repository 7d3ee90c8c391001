// Account lifecycle: signup, email verification, resend, login. Each function takes
// validated input and either returns a result or throws an HttpError with a clear reason.
import type { AppContext } from "../context.ts";
import { Prisma } from "../db/client.ts";
import { conflict, HttpError, unauthorized } from "../http/errors.ts";
import type { Email } from "../mail/mailer.ts";
import { passwordResetEmail, verificationEmail } from "../mail/templates.ts";
import { burnPasswordCheck, hashPassword, hashToken, newToken, verifyPassword } from "./crypto.ts";
import { confirmPassword } from "./confirm-password.ts";
import type { SignupBody } from "./schemas.ts";
import { revokeSessions } from "./sessions.ts";

type Role = SignupBody["role"];

const VERIFICATION_TTL_MS = 24 * 3600 * 1000;

/**
 * Pre-registration takeover (issue 15 item 3) — the decision on a second signup:
 * - For an address whose account is NOT verified yet, a signup answers exactly like a fresh one
 *   (201, same body, a verification mail) and changes nothing on the account. Its password, name and
 *   role travel on its own verification token and are applied only when that link is used: whoever
 *   reads the mailbox picks which signup's password survives. Using any link invalidates every other
 *   outstanding verification and reset link and revokes every session.
 * - For a VERIFIED address the answer stays 409 EMAIL_TAKEN ("log in instead"): the owner needs that
 *   hint, and forgot-password (always 202) is the way back in. This does tell a stranger that a
 *   verified account exists for the address; signup is rate-limited per IP.
 */
export async function signup(
  ctx: AppContext,
  body: SignupBody,
): Promise<{ userId: string; verificationEmailSent: boolean }> {
  const passwordHash = await hashPassword(body.password);
  const pending = { passwordHash, name: body.name, role: body.role };
  let user;
  try {
    // The unique index on email decides duplicates (no SELECT-then-INSERT race).
    user = await ctx.db.user.create({ data: { email: body.email, name: body.name, role: body.role, passwordHash } });
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002")) throw err;
    const existing = await ctx.db.user.findUnique({ where: { email: body.email } });
    if (!existing || existing.emailVerifiedAt)
      throw conflict("An account with this email already exists. Log in instead.", "EMAIL_TAKEN");
    const verificationEmailSent = await sendVerification(
      ctx,
      { id: existing.id, email: existing.email, name: body.name },
      pending,
    );
    return { userId: existing.id, verificationEmailSent };
  }
  const verificationEmailSent = await sendVerification(ctx, user, pending);
  return { userId: user.id, verificationEmailSent };
}

interface PendingSignup {
  passwordHash: string;
  name?: string;
  role?: Role;
}

/** Creates a fresh token carrying the signup it confirms and mails the link. A mail failure is logged, never thrown. */
async function sendVerification(
  ctx: AppContext,
  user: { id: string; email: string; name: string },
  pending: PendingSignup,
): Promise<boolean> {
  const { token, hash } = newToken();
  await ctx.db.emailVerificationToken.create({
    data: {
      userId: user.id,
      tokenHash: hash,
      expiresAt: new Date(Date.now() + VERIFICATION_TTL_MS),
      pendingPasswordHash: pending.passwordHash,
      pendingName: pending.name,
      pendingRole: pending.role,
    },
  });
  const link = `${ctx.config.publicUrl}/verify-email?token=${token}`;
  return sendMail(ctx, verificationEmail(user.email, user.name, link), user.id);
}

async function sendMail(ctx: AppContext, email: Email, userId: string): Promise<boolean> {
  try {
    await ctx.mailer.send(email);
    return true;
  } catch (err) {
    ctx.log.warn(
      { err: { message: (err as Error).message, code: (err as { code?: string }).code }, userId },
      `${email.subject}: email could not be sent`,
    );
    return false;
  }
}

/** Using any emailed link ends every other outstanding one: a stale link cannot swap the password back. */
async function voidOutstandingLinks(tx: Prisma.TransactionClient, userId: string, now: Date): Promise<void> {
  await tx.emailVerificationToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
  await tx.passwordResetToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
}

/** What the reader of an emailed link is told when it cannot be used, per kind of link. */
interface LinkWording {
  invalid: string;
  used: string;
  expired: string;
}

const VERIFY_LINK: LinkWording = {
  invalid: "This verification link is not valid. Request a new one.",
  used: "This verification link has already been used or replaced. You can log in, or reset your password.",
  expired: "This verification link has expired. Request a new one.",
};

const RESET_LINK: LinkWording = {
  invalid: "This password reset link is not valid. Request a new one.",
  used: "This password reset link has already been used or replaced. Request a new one.",
  expired: "This password reset link has expired (links work for 1 hour). Request a new one.",
};

interface LinkRow {
  id: string;
  userId: string;
  usedAt: Date | null;
  expiresAt: Date;
}

/** Both kinds of emailed link fail the same three ways: unknown, already used, expired. */
function checkLink<R extends LinkRow>(row: R | null, say: LinkWording): R {
  if (!row) throw new HttpError(400, "TOKEN_INVALID", say.invalid);
  if (row.usedAt) throw new HttpError(400, "TOKEN_USED", say.used);
  if (row.expiresAt < new Date()) throw new HttpError(400, "TOKEN_EXPIRED", say.expired);
  return row;
}

/**
 * Uses a checked link once, even under concurrent clicks (only one update can flip usedAt from null):
 * applies what it confirms, voids every other outstanding link, then ends every session of the account.
 */
async function redeemLink(
  ctx: AppContext,
  row: LinkRow,
  table: "emailVerificationToken" | "passwordResetToken",
  say: LinkWording,
  apply: (tx: Prisma.TransactionClient, now: Date) => Promise<unknown>,
): Promise<void> {
  const now = new Date();
  const claimed = await ctx.db.$transaction(async (tx) => {
    const once = { where: { id: row.id, usedAt: null }, data: { usedAt: now } };
    const { count } =
      table === "emailVerificationToken"
        ? await tx.emailVerificationToken.updateMany(once)
        : await tx.passwordResetToken.updateMany(once);
    if (count !== 1) return false;
    await apply(tx, now);
    await voidOutstandingLinks(tx, row.userId, now);
    return true;
  });
  if (!claimed) throw new HttpError(400, "TOKEN_USED", say.used);
  await revokeSessions(ctx, { userId: row.userId });
}

export async function verifyEmail(ctx: AppContext, token: string): Promise<{ email: string }> {
  const row = checkLink(
    await ctx.db.emailVerificationToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } }),
    VERIFY_LINK,
  );
  await redeemLink(ctx, row, "emailVerificationToken", VERIFY_LINK, (tx, now) =>
    tx.user.update({
      where: { id: row.userId },
      data: {
        emailVerifiedAt: row.user.emailVerifiedAt ?? now,
        // The mailbox owner confirmed this signup: its password (and name, role) become the account's.
        passwordSetByOwnerAt: now,
        ...(row.pendingPasswordHash ? { passwordHash: row.pendingPasswordHash } : {}),
        ...(row.pendingName ? { name: row.pendingName } : {}),
        ...(row.pendingRole ? { role: row.pendingRole } : {}),
      },
    }),
  );
  return { email: row.user.email };
}

/**
 * Always succeeds from the caller's view (no account enumeration); mails only unverified accounts.
 * When more than one signup used the address, a fresh verification link could only confirm one of
 * their passwords, maybe a stranger's: the mailbox gets a "choose your password" link instead.
 */
export async function resendVerification(ctx: AppContext, email: string): Promise<void> {
  await ctx.limits.resend.hit(email, "Too many verification emails requested for this address. Try again later.");
  const user = await ctx.db.user.findUnique({ where: { email } });
  if (!user || user.emailVerifiedAt) return;
  const signups = await ctx.db.emailVerificationToken.findMany({
    where: { userId: user.id, pendingPasswordHash: { not: null } },
    distinct: ["pendingPasswordHash"],
    select: { pendingPasswordHash: true },
    take: 2,
  });
  if (signups.length > 1) await sendPasswordReset(ctx, user, "several-signups");
  else await sendVerification(ctx, user, { passwordHash: user.passwordHash });
}

// ---- password recovery and change ----

const RESET_TTL_MS = 3600 * 1000;

async function sendPasswordReset(
  ctx: AppContext,
  user: { id: string; email: string; name: string },
  reason?: "several-signups",
): Promise<void> {
  const { token, hash } = newToken();
  await ctx.db.passwordResetToken.create({
    data: { userId: user.id, tokenHash: hash, expiresAt: new Date(Date.now() + RESET_TTL_MS) },
  });
  await sendMail(
    ctx,
    passwordResetEmail(user.email, user.name, `${ctx.config.publicUrl}/reset-password?token=${token}`, reason),
    user.id,
  );
}

/** Always 202 from the caller's view; limited per address and per client IP. */
export async function forgotPassword(ctx: AppContext, email: string, ip: string): Promise<void> {
  await ctx.limits.passwordResetIp.hit(ip, "Too many password reset requests from this network. Try again later.");
  await ctx.limits.passwordReset.hit(
    email,
    "Too many password reset emails requested for this address. Try again later.",
  );
  const user = await ctx.db.user.findUnique({ where: { email } });
  if (user) await sendPasswordReset(ctx, user);
}

/** Sets the password, verifies the address (the link reached its mailbox) and signs out everywhere. */
export async function resetPassword(ctx: AppContext, token: string, password: string): Promise<{ email: string }> {
  const row = checkLink(
    await ctx.db.passwordResetToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } }),
    RESET_LINK,
  );
  const passwordHash = await hashPassword(password);
  await redeemLink(ctx, row, "passwordResetToken", RESET_LINK, (tx, now) =>
    tx.user.update({
      where: { id: row.userId },
      data: { passwordHash, emailVerifiedAt: row.user.emailVerifiedAt ?? now, passwordSetByOwnerAt: now },
    }),
  );
  return { email: row.user.email };
}

/** Signed in and knowing the current password (counted like a failed login when wrong); other sessions end. */
export async function changePassword(
  ctx: AppContext,
  opts: { userId: string; sessionId: string; ip: string; currentPassword: string; newPassword: string },
): Promise<void> {
  const user = await ctx.db.user.findUniqueOrThrow({ where: { id: opts.userId } });
  await confirmPassword(ctx, user, opts.ip, opts.currentPassword, () => {
    const message = "Your current password is incorrect.";
    return new HttpError(400, "CURRENT_PASSWORD_INCORRECT", message, { fields: { currentPassword: message } });
  });
  const passwordHash = await hashPassword(opts.newPassword);
  const now = new Date();
  await ctx.db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash, passwordSetByOwnerAt: now } });
    await tx.passwordResetToken.updateMany({ where: { userId: user.id, usedAt: null }, data: { usedAt: now } });
  });
  await revokeSessions(ctx, { userId: user.id, exceptSessionId: opts.sessionId });
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
    await Promise.all([
      ctx.limits.loginFailuresIp.hit(ip, LOGIN_LIMITED),
      ctx.limits.loginFailures.hit(accountKey, LOGIN_LIMITED),
    ]).catch(() => undefined);
    throw unauthorized("Email or password is incorrect.", "INVALID_CREDENTIALS");
  }
  // Only someone who knows the password learns the account is unverified.
  if (!user.emailVerifiedAt)
    throw new HttpError(
      403,
      "EMAIL_NOT_VERIFIED",
      "Verify your email before signing in. Check your inbox for the link, or request a new one.",
      { canResend: true },
    );
  await ctx.limits.loginFailures.reset(accountKey);
  return user;
}
