// GET /api/attachments/:id — streams an attachment to its owner only (404 for anyone else).
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { notFound } from "../http/errors.ts";
import { requireUser } from "../http/auth-middleware.ts";

const INLINE_TYPES = /^(image\/(jpeg|png|gif|webp)|application\/pdf|text\/plain)$/;

/** GET an attachment of the signed-in user: images, PDF and plain text inline, everything else as a download. */
export function attachmentRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get("/:id", requireUser, async (req, res) => {
    const id = req.params.id as string;
    const a = z.uuid().safeParse(id).success
      ? await ctx.db.attachment.findFirst({ where: { id, userId: req.user!.id } })
      : null;
    if (!a) throw notFound("Attachment not found.");
    const stream = await ctx.storage.get(a.storageKey);
    if (!stream) throw notFound("The attachment's file is missing from storage.");
    const disposition = INLINE_TYPES.test(a.contentType) ? "inline" : "attachment";
    res.set({
      "Content-Type": a.contentType,
      "Content-Length": String(a.size),
      "Content-Disposition": `${disposition}; filename="${a.filename.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
      "Cache-Control": "private, max-age=3600",
      // Untrusted bytes from strangers: never let them run as a page of our origin.
      "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
      ETag: `"${a.sha256}"`,
    });
    stream.on("error", (err) => {
      ctx.log.warn({ err: err.message, attachmentId: a.id }, "attachment stream failed");
      res.destroy(err);
    });
    stream.pipe(res);
  });
  return r;
}
