// DELETE /api/auth/me: a person removes their account, confirmed with their password.
// Gone: the user row and everything only they own — sessions (revoked first, sockets closed),
// verification/reset tokens, connected accounts (grants revoked at the provider, tokens
// deleted) with their conversations, messages, attachments and sync runs, contacts, calendar
// connections and busy blocks, OAuth states, the artist profile with its portfolio and
// services, Twilio number assignments, upload usage, and the stored files of their attachments
// and portfolio (local disk or S3). Kept for the other party: booking
// requests, projects, past appointments and payments (the artist's books, the customer's
// receipts); they name the person by id only, which now resolves to nobody. An account with
// upcoming appointments is refused (409) until they are cancelled, so nobody is left waiting
// for a session with a deleted account.
import type { AppContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import { revokeGrant } from "../integrations/accounts.ts";
import { confirmPassword } from "./confirm-password.ts";
import { revokeSessions } from "./sessions.ts";

export async function deleteAccount(ctx: AppContext, opts: { userId: string; ip: string; password: string }) {
  const user = await ctx.db.user.findUniqueOrThrow({ where: { id: opts.userId } });
  await confirmPassword(ctx, user, opts.ip, opts.password, () => {
    const message = "The password is incorrect: the account was not deleted.";
    return new HttpError(403, "PASSWORD_INCORRECT", message, { fields: { password: message } });
  });
  const upcoming = await ctx.db.appointment.count({
    where: {
      OR: [{ artistId: user.id }, { customerId: user.id }],
      status: { in: ["pending_deposit", "confirmed"] },
      end: { gt: new Date() },
    },
  });
  if (upcoming)
    throw new HttpError(
      409,
      "UPCOMING_APPOINTMENTS",
      `You have ${upcoming} upcoming appointment(s): cancel them first, so nobody waits for a deleted account.`,
    );

  const accounts = await ctx.db.connectedAccount.findMany({ where: { userId: user.id } });
  const files = await filesOnlyTheyOwn(ctx, user.id);
  for (const row of accounts) await revokeGrant(ctx, row);
  await revokeSessions(ctx, { userId: user.id });
  const where = { userId: user.id };
  await ctx.db.$transaction([
    // Rows keyed by the user without a foreign key (the rest cascades from User / ConnectedAccount).
    ctx.db.contact.deleteMany({ where }),
    ctx.db.contactIdentity.deleteMany({ where }),
    ctx.db.calendarConnection.deleteMany({ where }),
    ctx.db.busyBlock.deleteMany({ where }),
    ctx.db.oAuthState.deleteMany({ where }),
    ctx.db.uploadUsage.deleteMany({ where }),
    ctx.db.connectedAccount.deleteMany({ where }),
    ctx.db.user.delete({ where: { id: user.id } }),
  ]);
  // After the commit: a file whose row is gone is unreachable either way; one that fails to
  // delete is logged as an orphan rather than undoing the deletion the person asked for.
  const removed = await Promise.allSettled(files.map((key) => ctx.storage.delete(key)));
  const orphans = files.filter((_, i) => removed[i]!.status === "rejected");
  if (orphans.length)
    ctx.log.warn({ userId: user.id, orphans }, "account deleted; some stored files could not be removed");
  ctx.log.info({ userId: user.id, accounts: accounts.length, files: files.length }, "account deleted by its owner");
}

/** Stored files of their inbox attachments and portfolio; never one a booking request still
 *  shows the other party (reference images stay with the request, like the request itself). */
async function filesOnlyTheyOwn(ctx: AppContext, userId: string): Promise<string[]> {
  const [attachments, portfolio] = await Promise.all([
    ctx.db.attachment.findMany({ where: { userId }, select: { storageKey: true } }),
    ctx.db.portfolioImage.findMany({ where: { artistId: userId }, select: { storageKey: true } }),
  ]);
  const keys = [...new Set([...attachments, ...portfolio].map((r) => r.storageKey))];
  const kept = await ctx.db.bookingReference.findMany({
    where: { storageKey: { in: keys } },
    select: { storageKey: true },
  });
  const keep = new Set(kept.map((r) => r.storageKey));
  return keys.filter((k) => !keep.has(k));
}
