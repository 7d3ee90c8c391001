// /api/admin/twilio-numbers: which artist may connect which number of the server's own Twilio
// account (TWILIO_*). One artist per number; reassigning or unassigning disconnects whoever
// else holds the number through the server's account (their history stays readable).
import { Router, type Request } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { E164 } from "../providers/kit/twilio/config.ts";
import { badRequest, HttpError, notFound } from "../http/errors.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { sealJson } from "../security/secret-box.ts";

const numberParam = z.object({
  e164: z
    .string()
    .trim()
    .regex(E164, "must be an E.164 phone number, e.g. +15551234567 (URL-encode the + as %2B if your client drops it)"),
});
const assignBody = z.object({
  email: z.email("must be the email address of a Tatu artist account").trim().toLowerCase(),
});

const RELEASED =
  "An administrator gave this number to another studio. Ask them if that is a mistake, or connect your own Twilio account.";

function view(a: {
  phoneNumber: string;
  assignedBy: string;
  createdAt: Date;
  updatedAt: Date;
  user: { id: string; email: string; name: string };
}) {
  return {
    phoneNumber: a.phoneNumber,
    userId: a.user.id,
    email: a.user.email,
    name: a.user.name,
    assignedBy: a.assignedBy,
    assignedAt: a.updatedAt,
  };
}

const by = (req: Request) =>
  req.viaCronSecret ? req.get("x-tatu-operator")?.slice(0, 100) || "cron-secret" : req.user!.email;

/** Numbers of the server's account that are live on accounts other than `keepUserId`'s: disconnected. */
async function releaseOthers(ctx: AppContext, phoneNumber: string, keepUserId: string | null): Promise<number> {
  const others = await ctx.db.connectedAccount.findMany({
    where: {
      provider: "twilio",
      externalId: phoneNumber,
      providerAccountId: null,
      status: { not: "disabled" },
      ...(keepUserId ? { userId: { not: keepUserId } } : {}),
    },
    select: { id: true },
  });
  for (const o of others)
    await ctx.db.connectedAccount.update({
      where: { id: o.id },
      data: {
        status: "disabled",
        credentials: sealJson(ctx.config.tokenEncryptionKey, {}),
        lastError: RELEASED,
        lastErrorClass: "auth",
        lastErrorAt: new Date(),
      },
    });
  return others.length;
}

export function twilioNumberRoutes(ctx: AppContext): Router {
  const r = Router();

  r.get("/", async (_req, res) => {
    const rows = await ctx.db.twilioNumberAssignment.findMany({
      orderBy: { phoneNumber: "asc" },
      include: { user: { select: { id: true, email: true, name: true } } },
    });
    const live = await ctx.db.connectedAccount.findMany({
      where: { provider: "twilio", providerAccountId: null, status: { not: "disabled" } },
      select: { externalId: true, userId: true },
    });
    const connectedBy = new Map(live.map((a) => [a.externalId, a.userId]));
    res.json({
      defaultNumber: ctx.config.env.TWILIO_PHONE_NUMBER ?? null,
      items: rows.map((a) => ({ ...view(a), connected: connectedBy.get(a.phoneNumber) === a.user.id })),
    });
  });

  r.put("/:e164", requireJsonBody, async (req, res) => {
    const { e164 } = parse(numberParam, req.params);
    const { email } = parse(assignBody, req.body);
    const user = await ctx.db.user.findUnique({ where: { email }, select: { id: true, role: true } });
    if (!user) throw notFound(`No Tatu account uses ${email}.`);
    if (user.role !== "artist")
      throw badRequest(`${email} is a customer account; only artists connect studio numbers.`, "NOT_AN_ARTIST");
    const assignedBy = by(req);
    const row = await ctx.db.twilioNumberAssignment.upsert({
      where: { phoneNumber: e164 },
      create: { phoneNumber: e164, userId: user.id, assignedBy },
      update: { userId: user.id, assignedBy },
      include: { user: { select: { id: true, email: true, name: true } } },
    });
    const disconnected = await releaseOthers(ctx, e164, user.id);
    ctx.log.warn({ phoneNumber: e164, userId: user.id, by: assignedBy, disconnected }, "twilio number assigned");
    res.json({ assignment: view(row), disconnected });
  });

  r.delete("/:e164", async (req, res) => {
    const { e164 } = parse(numberParam, req.params);
    const gone = await ctx.db.twilioNumberAssignment.deleteMany({ where: { phoneNumber: e164 } });
    if (!gone.count) throw new HttpError(404, "NOT_ASSIGNED", `${e164} is not assigned to anyone.`);
    const disconnected = await releaseOthers(ctx, e164, null);
    ctx.log.warn({ phoneNumber: e164, by: by(req), disconnected }, "twilio number unassigned");
    res.json({ phoneNumber: e164, unassigned: true, disconnected });
  });

  return r;
}
