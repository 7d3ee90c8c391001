// GET /api/inbox/messages/:id/html[?images=remote] — an email's HTML body as its own document,
// for the inbox's sandboxed iframe. Its own CSP decides what the body may load: nothing but
// data: images (cid: parts are inlined as data:) until the artist asks for remote images for
// this message; never script (the sandbox directive + no script-src), never forms or plugins.
// The owner only: another user's message ids answer 404, like unknown ids.
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { notFound } from "../http/errors.ts";
import { parse } from "../http/validate.ts";
import { renderMessageHtml } from "./content.ts";

const query = z.object({ images: z.enum(["remote", "blocked"]).default("blocked") });

/** The body's document policy; `remote` adds http(s) images, nothing else. */
export function messageHtmlCsp(remoteImages: boolean): string {
  return [
    "default-src 'none'",
    `img-src data:${remoteImages ? " https: http:" : ""}`,
    // Inline styles survive sanitising only from an allowlist of properties (content.ts).
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
    // Framed by our inbox page only.
    "frame-ancestors 'self'",
    "sandbox",
  ].join("; ");
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** GET a message's sanitized HTML as a page for the sandboxed iframe; remote images only when asked for. */
export function messageHtmlRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get("/messages/:id/html", async (req, res) => {
    const id = String(req.params.id);
    const { images } = parse(query, req.query);
    const m = z.uuid().safeParse(id).success
      ? await ctx.db.message.findFirst({ where: { id, userId: req.user!.id }, select: { html: true, text: true } })
      : null;
    if (!m) throw notFound("Message not found.");
    const remote = images === "remote";
    // A message without HTML (SMS, DMs, plain mail) is its text, escaped.
    const body = m.html
      ? renderMessageHtml(m.html, { remoteImages: remote })
      : `<div style="white-space:pre-wrap">${escapeHtml(m.text)}</div>`;
    res.set({
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": messageHtmlCsp(remote),
      "X-Frame-Options": "SAMEORIGIN",
      // Loading remote images must not tell their servers which of our pages showed them.
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "private, no-store",
    });
    res.send(
      `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"></head><body>${body}</body></html>`,
    );
  });
  return r;
}
