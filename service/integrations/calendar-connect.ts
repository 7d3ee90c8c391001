// Connecting and removing calendars (/api/calendars/...): Google/Outlook through the mailbox's
// grant, CalDAV/Square with their own credentials. Integrations own every kind's connect and
// disconnect; listing, sync now and the primary choice stay in calendars/routes.ts.
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import type { ConnectedAccount } from "../db/generated/client.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { conflict, HttpError, notFound } from "../http/errors.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { enqueue } from "../jobs/define.ts";
import { calendarSyncJob } from "../calendars/jobs.ts";
import { calendarView } from "../calendars/view.ts";
import type { CalendarProvider } from "../providers/kit/calendar.ts";
import { allCalendarProviders, asProviderError, calendarByRoute } from "../providers/registry.ts";
import { providerEnv, toProviderAccount, upsertAccount } from "./accounts.ts";

const isUuid = (v: string) => z.uuid().safeParse(v).success;

export function calendarConnectRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser);

  /** Lists the account's calendars and stores a connection per calendar (the first writable primary one becomes Tatu's). */
  async function attach(userId: string, provider: CalendarProvider, account: ConnectedAccount) {
    let calendars;
    try {
      calendars = await provider.listCalendars(providerEnv(ctx), toProviderAccount(ctx, account));
    } catch (err) {
      const e = asProviderError(err);
      if (e.errorClass === "auth")
        throw new HttpError(
          409,
          "CALENDAR_ACCESS_DENIED",
          `${provider.label} did not grant access to calendars. Reconnect and allow calendar access.`,
        );
      throw new HttpError(502, e.code, `${provider.label} could not be reached. Try again in a moment.`);
    }
    const hasPrimary = Boolean(await ctx.db.calendarConnection.findFirst({ where: { userId, isPrimary: true } }));
    const writable = calendars.filter((c) => !c.readOnly);
    const choose = hasPrimary ? undefined : (writable.find((c) => c.primary) ?? writable[0])?.externalId;
    const rows = [];
    for (const c of calendars) {
      const row = await ctx.db.calendarConnection.upsert({
        where: { accountId_calendarExternalId: { accountId: account.id, calendarExternalId: c.externalId } },
        create: {
          userId,
          accountId: account.id,
          provider: provider.id,
          calendarExternalId: c.externalId,
          name: c.name,
          timeZone: c.timeZone,
          readOnly: Boolean(c.readOnly),
          isPrimary: c.externalId === choose,
        },
        update: {
          name: c.name,
          timeZone: c.timeZone,
          readOnly: Boolean(c.readOnly),
          status: "active",
          lastError: null,
        },
      });
      rows.push(row);
      const job = enqueue(ctx, calendarSyncJob(row.id, provider.id));
      if (ctx.queue.mode === "bullmq") await job;
      else ctx.background.run(job);
    }
    return rows;
  }

  // Google / Outlook: the calendar scope comes with the mailbox grant.
  for (const provider of allCalendarProviders()) {
    const grant = provider.connect;
    if (grant.kind !== "shared-grant") continue;
    r.post(`/${grant.route}`, async (req, res) => {
      const { accountId } = parse(z.object({ accountId: z.uuid().optional() }), req.body ?? {});
      const account = await ctx.db.connectedAccount.findFirst({
        where: {
          userId: req.user!.id,
          provider: grant.grantProvider,
          status: "active",
          ...(accountId ? { id: accountId } : {}),
        },
        orderBy: { createdAt: "asc" },
      });
      if (!account)
        throw conflict(
          `Connect your ${grant.grantLabel} account first (Integrations), then add its calendar.`,
          "GRANT_REQUIRED",
        );
      if (!account.scopes.some((s) => s.includes(grant.requiredScope)))
        throw conflict(`Reconnect your ${provider.label} account and allow calendar access.`, "CALENDAR_SCOPE_MISSING");
      const rows = await attach(req.user!.id, provider, account);
      res.status(201).json({ items: rows.map(calendarView) });
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
      if (e.errorClass === "auth" || e.code === "CALDAV_SERVER_NOT_ALLOWED")
        throw new HttpError(400, e.code, e.message);
      throw new HttpError(
        502,
        e.code,
        `${provider.label} could not be reached to check these details. Try again in a moment.`,
      );
    }
    const account = await upsertAccount(ctx, req.user!.id, provider, acc);
    const rows = await attach(req.user!.id, provider, account);
    res.status(201).json({ items: rows.map(calendarView) });
  });

  const owned = async (userId: string, id: string) => {
    const c = isUuid(id) ? await ctx.db.calendarConnection.findFirst({ where: { id, userId } }) : null;
    if (!c) throw notFound("Calendar not found.");
    return c;
  };

  r.delete("/:id", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    await ctx.db.calendarConnection.delete({ where: { id: c.id } }); // its busy blocks go with it
    res.json({ id: c.id, deleted: true });
  });

  return r;
}
