// A signed-in person re-proving who they are with their password (changing it, deleting the
// account): limited and counted exactly like failed logins, so it is no side door for guessing.
import type { AppContext } from "../context.ts";
import type { HttpError } from "../http/errors.ts";
import { verifyPassword } from "./crypto.ts";

// The same budget as sign-in: the wording says so.
const LIMITED = "Too many failed sign-in attempts. Try again later.";

/** Throws `wrong()` when the password is not the user's (after counting the failure), a 429 when over the limit. */
export async function confirmPassword(
  ctx: AppContext,
  user: { email: string; passwordHash: string },
  ip: string,
  password: string,
  wrong: () => HttpError,
): Promise<void> {
  const accountKey = `${user.email}|${ip}`;
  await ctx.limits.loginFailuresIp.check(ip, LIMITED);
  await ctx.limits.loginFailures.check(accountKey, LIMITED);
  if (await verifyPassword(password, user.passwordHash)) return;
  await Promise.all([ctx.limits.loginFailuresIp.hit(ip), ctx.limits.loginFailures.hit(accountKey)]).catch(
    () => undefined,
  );
  throw wrong();
}
