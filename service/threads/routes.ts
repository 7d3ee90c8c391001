// /api/bookings/requests/:id/messages — the customer's side of their thread with the artist:
// read it (either party of the request), write into it (the customer; the artist answers from
// the inbox). The thread is per artist and customer, so every request of the pair shows the
// same messages. Someone else's request is a 404.
import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { forbidden, notFound } from "../http/errors.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { customerThreadKey, appendCustomerMessage, openThread, TATU_PROVIDER } from "./thread.ts";
import { threadMessageBody } from "./schemas.ts";

const isUuid = (v: string) => z.uuid().safeParse(v).success;

export function threadRoutes(ctx: AppContext): Router {
  const r = Router();

  const partyRequest = async (userId: string, id: string) => {
    const found = isUuid(id)
      ? await ctx.db.bookingRequest.findFirst({
          where: { id, OR: [{ artistId: userId }, { customerId: userId }] },
          select: { id: true, artistId: true, customerId: true },
        })
      : null;
    if (!found) throw notFound("Booking request not found.");
    return found;
  };

  r.get("/requests/:id/messages", requireUser, async (req, res) => {
    const me = req.user!.id;
    const request = await partyRequest(me, String(req.params.id));
    const conv = await ctx.db.conversation.findFirst({
      where: {
        userId: request.artistId,
        threadKey: customerThreadKey(request.customerId),
        account: { provider: TATU_PROVIDER },
      },
      select: { id: true },
    });
    const [artist, customer] = await Promise.all([
      ctx.db.artistProfile.findUnique({ where: { userId: request.artistId }, select: { displayName: true } }),
      ctx.db.user.findUnique({ where: { id: request.customerId }, select: { name: true } }),
    ]);
    const rows = conv
      ? await ctx.db.message.findMany({
          where: {
            conversationId: conv.id,
            // What the artist has sent; their drafts being sent or that failed are theirs alone.
            OR: [{ direction: "inbound" }, { direction: "outbound", status: { in: ["sent", "delivered", "read"] } }],
          },
          orderBy: [{ sentAt: "desc" }, { id: "desc" }],
          take: 200,
          select: { id: true, direction: true, text: true, sentAt: true },
        })
      : [];
    const fromCustomer = (d: string) => d === "inbound";
    res.json({
      items: rows.reverse().map((m) => ({
        id: m.id,
        from: fromCustomer(m.direction) ? "customer" : "artist",
        author: fromCustomer(m.direction) ? (customer?.name ?? "Customer") : (artist?.displayName ?? "Artist"),
        mine: fromCustomer(m.direction) === (me === request.customerId),
        text: m.text,
        sentAt: m.sentAt,
      })),
    });
  });

  r.post("/requests/:id/messages", requireUser, requireJsonBody, async (req, res) => {
    const me = req.user!.id;
    const request = await partyRequest(me, String(req.params.id));
    if (request.customerId !== me)
      throw forbidden("Answer your customer from your inbox: the thread is there.", "REPLY_FROM_INBOX");
    const { text } = parse(threadMessageBody, req.body);
    const thread = await ctx.db.$transaction((tx) => openThread(ctx, tx, request.artistId, request.customerId));
    const [stored] = await appendCustomerMessage(ctx, thread, {
      externalId: `tatu:${randomUUID()}`,
      text,
      sentAt: new Date(),
    });
    res.status(201).json({ id: stored!.id, from: "customer", mine: true, text, sentAt: new Date() });
  });

  return r;
}
