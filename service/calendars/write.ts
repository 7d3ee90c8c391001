// Two-way sync, Tatu → calendar: a confirmed appointment is written to the artist's primary
// calendar, moved with it and removed when cancelled. Runs as a queue job so a provider
// outage retries instead of losing the change.
import type { AppContext } from "../context.ts";
import { ProviderError } from "../providers/kit/errors.ts";
import { providerEnv, toProviderAccount } from "../integrations/accounts.ts";
import { calendarProvider } from "../providers/registry.ts";
import type { EventDraft } from "../providers/kit/calendar.ts";

export const eventUid = (appointmentId: string) => `tatu-${appointmentId}@tatu.app`;

/** Appointment.calendarState while a change has not reached the calendar yet. */
export const WRITE_PENDING = "write_pending";

export async function writeAppointment(
  ctx: AppContext,
  appointmentId: string,
): Promise<"created" | "updated" | "deleted" | "skipped"> {
  const a = await ctx.db.appointment.findUnique({ where: { id: appointmentId }, include: { project: true } });
  if (!a) return "skipped";
  const conn = a.calendarConnectionId
    ? await ctx.db.calendarConnection.findUnique({ where: { id: a.calendarConnectionId } })
    : await ctx.db.calendarConnection.findFirst({
        where: { userId: a.artistId, isPrimary: true, status: "active", readOnly: false },
      });
  if (!conn) return settle(ctx, a.id); // its calendar was disconnected: nothing left to write to
  if (conn.status !== "active") return "skipped"; // written once the artist reconnects
  const provider = calendarProvider(conn.provider);
  const accountRow = await ctx.db.connectedAccount.findUnique({ where: { id: conn.accountId } });
  if (!provider || !accountRow || accountRow.status !== "active") return "skipped";
  const env = providerEnv(ctx),
    account = toProviderAccount(ctx, accountRow);

  if (a.status === "cancelled") {
    if (!a.calendarEventId) return settle(ctx, a.id);
    await provider.deleteEvent(env, account, conn.calendarExternalId, a.calendarEventId);
    await ctx.db.appointment.update({ where: { id: a.id }, data: { calendarState: "deleted" } });
    return "deleted";
  }
  if (a.status !== "confirmed") return settle(ctx, a.id); // pending deposits are not in the calendar yet
  const customer = await ctx.db.user.findUnique({
    where: { id: a.customerId },
    select: { name: true, email: true, phone: true },
  });
  const draft: EventDraft = {
    appointmentId: a.id,
    iCalUID: eventUid(a.id),
    title: `Tattoo: ${a.project?.title ?? "session"} — ${customer?.name ?? "customer"}`,
    description: "Booked through Tatu.",
    start: a.start,
    end: a.end,
    timeZone: a.timeZone,
    customer: { name: customer?.name, email: customer?.email, phone: customer?.phone ?? undefined },
  };
  const written = a.calendarEventId
    ? await provider.updateEvent(env, account, conn.calendarExternalId, a.calendarEventId, draft)
    : await provider.createEvent(env, account, conn.calendarExternalId, draft);
  await ctx.db.appointment.update({
    where: { id: a.id },
    data: {
      calendarConnectionId: conn.id,
      calendarEventId: written.externalId,
      calendarEtag: written.etag ?? null,
      calendarState: "synced",
    },
  });
  return a.calendarEventId ? "updated" : "created";
}

/** Nothing to write (yet): the change is settled, the sweep leaves it alone. */
async function settle(ctx: AppContext, appointmentId: string): Promise<"skipped"> {
  await ctx.db.appointment.updateMany({
    where: { id: appointmentId, calendarState: WRITE_PENDING },
    data: { calendarState: null },
  });
  return "skipped";
}

export function isRetryable(err: unknown): boolean {
  return err instanceof ProviderError && (err.errorClass === "transient" || err.errorClass === "rate_limit");
}
