// /api/inbox — the unified inbox of the signed-in user. Every lookup is scoped to the
// user: another user's ids answer 404, exactly like ids that do not exist.
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { channelProvider } from "../providers/registry.ts";
import { HttpError, notFound } from "../http/errors.ts";
import { requireUser } from "../http/auth-middleware.ts";
import { parse } from "../http/validate.ts";
import { messageHtmlRoutes } from "./message-html.ts";
import { getConversation, listConversations, listMessages } from "./queries.ts";
import { createReply, replyWindow } from "./send.ts";
import { suggestReply } from "./suggest.ts";
import { TATU_LABEL, TATU_PROVIDER } from "../threads/channel.ts";
import { beforeBody, streamUploads, uploadedFiles, withStoredUploads } from "./uploads.ts";

const listQuery = z.object({
  channel: z.string().max(32).optional(),
  unread: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => v === "true" || v === "1"),
  archived: z
    .enum(["true", "false", "1", "0"])
    .optional()
    .transform((v) => v === "true" || v === "1"),
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
const messagesQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
const replyBody = z.object({
  text: z.string().trim().min(1, "Write a message before sending.").max(50_000, "The message is too long."),
});
const archiveBody = z.object({ archived: z.boolean().default(true) });

const isUuid = (v: string) => z.uuid().safeParse(v).success;

/** Inbox API: conversations, messages, replies with attachments, read/archive state and suggested replies. */
export function inboxRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser);

  /** Loads the user's conversation or answers 404 (malformed ids included). */
  const owned = async (userId: string, id: string) => {
    const conv = isUuid(id) ? await getConversation(ctx, userId, id) : null;
    if (!conv) throw notFound("Conversation not found.");
    return conv;
  };

  r.get("/conversations", async (req, res) => {
    const q = parse(listQuery, req.query);
    res.json(await listConversations(ctx, req.user!.id, q));
  });

  r.get("/conversations/:id", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    res.json({
      replyWindow: await replyWindow(ctx, c.channel, c.id),
      id: c.id,
      channel: c.channel,
      subject: c.subject,
      lastMessageAt: c.lastMessageAt,
      unreadCount: c.unreadCount,
      archived: c.archivedAt !== null,
      account: {
        ...c.account,
        label:
          channelProvider(c.account.provider)?.label ??
          (c.account.provider === TATU_PROVIDER ? TATU_LABEL : c.account.provider),
      },
      contact: c.contact ? { id: c.contact.id, name: c.contact.name, identities: c.contact.identities } : null,
    });
  });

  r.get("/conversations/:id/messages", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    const q = parse(messagesQuery, req.query);
    res.json(await listMessages(ctx, c.id, q.cursor, q.limit));
  });

  r.post("/conversations/:id/read", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    await ctx.db.conversation.update({ where: { id: c.id }, data: { unreadCount: 0 } });
    await ctx.realtime
      .publish(req.user!.id, { type: "conversation.updated", conversationId: c.id, unreadCount: 0 })
      .catch(() => undefined);
    res.json({ id: c.id, unreadCount: 0 });
  });

  r.post("/conversations/:id/archive", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    const { archived } = parse(archiveBody, req.body ?? {});
    await ctx.db.conversation.update({ where: { id: c.id }, data: { archivedAt: archived ? new Date() : null } });
    await ctx.realtime
      .publish(req.user!.id, { type: "conversation.updated", conversationId: c.id, archived })
      .catch(() => undefined);
    res.json({ id: c.id, archived });
  });

  // The conversation must be the user's before a byte of the body is read: a stranger's upload
  // to someone else's conversation is a 404 without reading (or storing) anything.
  const ownedBeforeBody = beforeBody(async (req) => {
    if (!req.is("application/json") && !req.is("multipart/form-data"))
      throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the reply as application/json or multipart/form-data.");
    await owned(req.user!.id, String(req.params.id));
  });
  r.post("/conversations/:id/reply", ownedBeforeBody, streamUploads(ctx), async (req, res) => {
    const userId = req.user!.id;
    const files = uploadedFiles(req.files);
    const result = await withStoredUploads(ctx, userId, files, async () => {
      const { text } = parse(replyBody, req.body);
      return createReply(ctx, userId, String(req.params.id), { text, files });
    });
    res.status(202).json(result);
  });

  r.post("/conversations/:id/suggest-reply", async (req, res) => {
    const c = await owned(req.user!.id, String(req.params.id));
    // Each draft is a paid OpenAI call: per user (RATE_LIMIT_SUGGEST_REPLY).
    await ctx.limits.suggestReply.hit(
      req.user!.id,
      "You asked for many suggested replies in a short time. Try again in a few minutes.",
    );
    res.json(await suggestReply(ctx, req.user!, c.id));
  });

  r.use(messageHtmlRoutes(ctx)); // GET /messages/:id/html: an email body for the sandboxed iframe

  return r;
}
