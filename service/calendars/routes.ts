// /api/calendars — the artist's connected calendars: list, busy time, choose where Tatu writes,
// sync now. Connecting and removing one is integrations/calendar-connect.ts (same URL prefix).
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { conflict, HttpError, notFound } from "../http/errors.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { allCalendarProviders } from "../providers/registry.ts";
import { calendarView } from "./view.ts";
import { syncCalendar } from "./sync.ts";
import { countManualSync } from "../integrations/sync-now-limit.ts";

const isUuid = (v: string) => z.uuid().safeParse(v).success;

export function calendarRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser);

  r.get("/", async (req, res) => {
    const rows = await ctx.db.calendarConnection.findMany({
      where: { userId: req.user!.id },
      orderBy: { createdAt: "asc" },
    });
    // Every calendar Tatu can connect, for the web app (how each connects, its form).
    const providers = allCalendarProviders().map((p) => ({
      id: p.id,
      label: p.label,
      connect: p.connect.kind,
      route: p.connect.route,
      grantProvider: p.connect.kind === "shared-grant" ? p.connect.grantProvider : undefined,
      ui: p.ui ?? {},
    }));
    res.json({ items: rows.map(calendarView), providers });
  });

  // The artist's own busy time imported from calendars (the week view of the web app); titles are never kept.
  r.get("/busy", async (req, res) => {
    const q = parse(
      z.object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }),
      req.query,
    );
    const items = await ctx.db.busyBlock.findMany({
      where: {
        userId: req.user!.id,
        cancelled: false,
        transparent: false,
        appointmentId: null,
        start: { lt: new Date(q.to) },
        end: { gt: new Date(q.from) },
        connection: { status: "active" },
      },
      orderBy: { start: "asc" },
      take: 500,
      select: {
        id: true,
        start: true,
        end: true,
        allDay: true,
        connection: { select: { name: true, provider: true } },
      },
    });
    res.json({
      items: items.map((b) => ({
        id: b.id,
        start: b.start,
        end: b.end,
        allDay: b.allDay,
        calendar: b.connection.name,
        provider: b.connection.provider,
      })),
    });
  });

  const owned = async (userId: string, id: string) => {
    const c = isUuid(id) ? await ctx.db.calendarConnection.findFirst({ where: { id, userId } }) : null;
    if (!c) throw notFound("Calendar not found.");
    return c;
  };

  r.put("/:id", requireJsonBody, async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    const { isPrimary } = parse(
      z.object({ isPrimary: z.literal(true, "Only making a calendar primary is supported.") }),
      req.body,
    );
    if (c.readOnly) throw conflict("Tatu cannot write to this calendar; pick a writable one.", "CALENDAR_READ_ONLY");
    await ctx.db.$transaction([
      ctx.db.calendarConnection.updateMany({
        where: { userId: req.user!.id, isPrimary: true },
        data: { isPrimary: false },
      }),
      ctx.db.calendarConnection.update({ where: { id: c.id }, data: { isPrimary } }),
    ]);
    res.json(calendarView(await ctx.db.calendarConnection.findUniqueOrThrow({ where: { id: c.id } })));
  });

  r.post("/:id/sync", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    await countManualSync(ctx, req.user!.id);
    const out = await syncCalendar(ctx, c.id);
    if (out.status === "busy") throw conflict("A sync of this calendar is already running.", "SYNC_IN_PROGRESS");
    if (out.status === "inactive" && out.connectionStatus === "deleted") throw notFound("Calendar not found.");
    if (out.status === "inactive")
      throw conflict("Reconnect this calendar before syncing it.", "CALENDAR_NEEDS_RECONNECT");
    if (out.status === "error") {
      const fresh = await ctx.db.calendarConnection.findUnique({ where: { id: c.id } });
      if (out.error.errorClass === "auth")
        throw new HttpError(409, "CALENDAR_NEEDS_RECONNECT", fresh?.lastError ?? "Reconnect this calendar.");
      throw new HttpError(
        out.error.errorClass === "rate_limit" ? 503 : 502,
        "SYNC_FAILED",
        fresh?.lastError ?? "The sync failed.",
      );
    }
    res.json({ status: "ok", events: out.events });
  });

  return r;
}
