// /api/calendars — the artist's connected calendars: connect (Google/Outlook through the
// mailbox grant; Apple/Square with their own credentials), choose where Tatu writes, sync now,
// disconnect. Connections show status and last successful sync.
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { ProviderError } from "../providers/kit/errors.ts";
import { conflict, HttpError, notFound } from "../http/errors.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { providerEnv, toProviderAccount, upsertAccount } from "../integrations/accounts.ts";
import { enqueue } from "../jobs/define.ts";
import { allCalendarProviders, calendarByRoute, calendarProvider, asProviderError } from "../providers/registry.ts";
import { calendarSyncJob } from "./jobs.ts";
import { syncCalendar } from "./sync.ts";
import type { CalendarProvider } from "../providers/kit/calendar.ts";
import type { ConnectedAccount } from "../db/generated/client.ts";
import { countManualSync } from "../integrations/sync-now-limit.ts";

const view = (c: { id: string; provider: string; name: string; calendarExternalId: string; timeZone: string | null; readOnly: boolean; isPrimary: boolean; status: string; lastSyncAt: Date | null; lastSuccessAt: Date | null; lastError: string | null; accountId: string }) => ({
  id: c.id, provider: c.provider, label: calendarProvider(c.provider)?.label ?? c.provider, name: c.name, timeZone: c.timeZone,
  readOnly: c.readOnly, isPrimary: c.isPrimary, status: c.status, needsReconnect: c.status === "reauth_required",
  lastSyncAt: c.lastSyncAt, lastSuccessAt: c.lastSuccessAt, lastError: c.lastError, accountId: c.accountId,
});
const isUuid = (v: string) => z.uuid().safeParse(v).success;

export function calendarRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser);

  /** Lists the account's calendars and stores a connection per calendar (the first writable primary one becomes Tatu's). */
  async function attach(userId: string, provider: CalendarProvider, account: ConnectedAccount) {
    let calendars;
    try {
      calendars = await provider.listCalendars(providerEnv(ctx), toProviderAccount(ctx, account));
    } catch (err) {
      const e = asProviderError(err);
      if (e.errorClass === "auth") throw new HttpError(409, "CALENDAR_ACCESS_DENIED", `${provider.label} did not grant access to calendars. Reconnect and allow calendar access.`);
      throw new HttpError(502, e.code, `${provider.label} could not be reached. Try again in a moment.`);
    }
    const hasPrimary = Boolean(await ctx.db.calendarConnection.findFirst({ where: { userId, isPrimary: true } }));
    const writable = calendars.filter((c) => !c.readOnly);
    const choose = hasPrimary ? undefined : (writable.find((c) => c.primary) ?? writable[0])?.externalId;
    const rows = [];
    for (const c of calendars) {
      const row = await ctx.db.calendarConnection.upsert({
        where: { accountId_calendarExternalId: { accountId: account.id, calendarExternalId: c.externalId } },
        create: { userId, accountId: account.id, provider: provider.id, calendarExternalId: c.externalId, name: c.name, timeZone: c.timeZone, readOnly: Boolean(c.readOnly), isPrimary: c.externalId === choose },
        update: { name: c.name, timeZone: c.timeZone, readOnly: Boolean(c.readOnly), status: "active", lastError: null },
      });
      rows.push(row);
      const job = enqueue(ctx, calendarSyncJob(row.id, provider.id));
      if (ctx.queue.mode === "bullmq") await job;
      else ctx.background.run(job);
    }
    return rows;
  }

  r.get("/", async (req, res) => {
    const rows = await ctx.db.calendarConnection.findMany({ where: { userId: req.user!.id }, orderBy: { createdAt: "asc" } });
    // Every calendar Tatu can connect, for the web app (how each connects, its form).
    const providers = allCalendarProviders().map((p) => ({ id: p.id, label: p.label, connect: p.connect.kind, route: p.connect.route, grantProvider: p.connect.kind === "shared-grant" ? p.connect.grantProvider : undefined, ui: p.ui ?? {} }));
    res.json({ items: rows.map(view), providers });
  });

  // The artist's own busy time imported from calendars (the week view of the web app); titles are never kept.
  r.get("/busy", async (req, res) => {
    const q = parse(z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }), req.query);
    const items = await ctx.db.busyBlock.findMany({
      where: { userId: req.user!.id, cancelled: false, transparent: false, appointmentId: null, start: { lt: new Date(q.to) }, end: { gt: new Date(q.from) }, connection: { status: "active" } },
      orderBy: { start: "asc" }, take: 500, select: { id: true, start: true, end: true, allDay: true, connection: { select: { name: true, provider: true } } },
    });
    res.json({ items: items.map((b) => ({ id: b.id, start: b.start, end: b.end, allDay: b.allDay, calendar: b.connection.name, provider: b.connection.provider })) });
  });

  // Google / Outlook: the calendar scope comes with the mailbox grant.
  for (const provider of allCalendarProviders()) {
    const grant = provider.connect;
    if (grant.kind !== "shared-grant") continue;
    r.post(`/${grant.route}`, async (req, res) => {
      const { accountId } = parse(z.object({ accountId: z.uuid().optional() }), req.body ?? {});
      const account = await ctx.db.connectedAccount.findFirst({ where: { userId: req.user!.id, provider: grant.grantProvider, status: "active", ...(accountId ? { id: accountId } : {}) }, orderBy: { createdAt: "asc" } });
      if (!account) throw conflict(`Connect your ${grant.grantLabel} account first (Integrations), then add its calendar.`, "GRANT_REQUIRED");
      if (!account.scopes.some((s) => s.includes(grant.requiredScope)))
        throw conflict(`Reconnect your ${provider.label} account and allow calendar access.`, "CALENDAR_SCOPE_MISSING");
      const rows = await attach(req.user!.id, provider, account);
      res.status(201).json({ items: rows.map(view) });
    });
  }

  // Apple (CalDAV app password) / Square (access token).
  r.post("/:route/connect", requireJsonBody, async (req, res) => {
    const provider = calendarByRoute(String(req.params.route));
    if (!provider || provider.connect.kind !== "credentials") throw notFound("Unknown calendar.");
    const input = parse(provider.connect.schema, req.body);
    let acc;
    try {
      acc = await provider.connect.connect(providerEnv(ctx), input);
    } catch (err) {
      const e = asProviderError(err);
      if (e.errorClass === "auth" || e.code === "CALDAV_SERVER_NOT_ALLOWED") throw new HttpError(400, e.code, e.message);
      throw new HttpError(502, e.code, `${provider.label} could not be reached to check these details. Try again in a moment.`);
    }
    const account = await upsertAccount(ctx, req.user!.id, provider, acc);
    const rows = await attach(req.user!.id, provider, account);
    res.status(201).json({ items: rows.map(view) });
  });

  const owned = async (userId: string, id: string) => {
    const c = isUuid(id) ? await ctx.db.calendarConnection.findFirst({ where: { id, userId } }) : null;
    if (!c) throw notFound("Calendar not found.");
    return c;
  };

  r.put("/:id", requireJsonBody, async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    const { isPrimary } = parse(z.object({ isPrimary: z.literal(true, "Only making a calendar primary is supported.") }), req.body);
    if (c.readOnly) throw conflict("Tatu cannot write to this calendar; pick a writable one.", "CALENDAR_READ_ONLY");
    await ctx.db.$transaction([
      ctx.db.calendarConnection.updateMany({ where: { userId: req.user!.id, isPrimary: true }, data: { isPrimary: false } }),
      ctx.db.calendarConnection.update({ where: { id: c.id }, data: { isPrimary } }),
    ]);
    res.json(view(await ctx.db.calendarConnection.findUniqueOrThrow({ where: { id: c.id } })));
  });

  r.post("/:id/sync", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    await countManualSync(ctx, req.user!.id);
    const out = await syncCalendar(ctx, c.id);
    if (out.status === "busy") throw conflict("A sync of this calendar is already running.", "SYNC_IN_PROGRESS");
    if (out.status === "inactive" && out.connectionStatus === "deleted") throw notFound("Calendar not found.");
    if (out.status === "inactive") throw conflict("Reconnect this calendar before syncing it.", "CALENDAR_NEEDS_RECONNECT");
    if (out.status === "error") {
      const fresh = await ctx.db.calendarConnection.findUnique({ where: { id: c.id } });
      if (out.error.errorClass === "auth") throw new HttpError(409, "CALENDAR_NEEDS_RECONNECT", fresh?.lastError ?? "Reconnect this calendar.");
      throw new HttpError(out.error.errorClass === "rate_limit" ? 503 : 502, "SYNC_FAILED", fresh?.lastError ?? "The sync failed.");
    }
    res.json({ status: "ok", events: out.events });
  });

  r.delete("/:id", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    await ctx.db.calendarConnection.delete({ where: { id: c.id } }); // its busy blocks go with it
    res.json({ id: c.id, deleted: true });
  });

  return r;
}
