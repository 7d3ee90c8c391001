// Gmail API v1 under /gmail/v1/users/{userId}/… (and the /upload/ variant of messages.send):
// profile, messages.list/get, attachments.get, history.list, messages.send. JSON shapes,
// int64-as-string fields and error bodies follow gmail.googleapis.com.
import { randomInt } from "node:crypto";
import express, { type Response } from "express";
import { z } from "zod";
import {
  googleError,
  hasScope,
  insufficientScope,
  notFound,
  requireBearer,
  faultsAndLog,
  type Authed,
} from "./http.ts";
import { searchable, sendRaw } from "./mailbox.ts";
import { snippetOf, splitRelated, toPayload } from "./mime.ts";
import { compileQuery } from "./query.ts";
import type { GoogleState, HistoryRecord, Mailbox, StoredMessage } from "./state.ts";

const G = "https://www.googleapis.com/auth/";
const READ = [`${G}gmail.readonly`, `${G}gmail.modify`, "https://mail.google.com/"];
const SEND = [`${G}gmail.send`, `${G}gmail.modify`, `${G}gmail.compose`, "https://mail.google.com/"];

interface Req extends Authed {
  box?: Mailbox;
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const invalid = (res: Response, message: string) => googleError(res, 400, message, "invalidArgument");

function pageSize(v: unknown): number {
  const n = Number(v ?? 100);
  return Number.isFinite(n) && n > 0 ? Math.min(500, Math.floor(n)) : 100;
}

export function gmailRouter(state: GoogleState): express.Router {
  const r = express.Router();
  // messages.list page tokens → position (internalDate, id) after which the next page starts.
  const pageTokens = new Map<string, { date: number; id: bigint }>();

  // userId must be "me" or the token's own address; reads need a read scope, sends a send scope.
  const checkUser = (req: Req & { params: { userId?: string } }, res: Response, next: express.NextFunction) => {
    const at = req.token!;
    const uid = req.params.userId ?? "";
    if (uid !== "me" && uid.toLowerCase() !== at.grant.email)
      return googleError(res, 403, `Delegation denied for ${at.grant.email}`, "forbidden");
    req.box = state.mailbox(at.grant.email);
    if (!req.box) return googleError(res, 400, "Mail service not enabled", "failedPrecondition");
    const scopes = req.method === "POST" ? SEND : READ;
    if (!hasScope(at, scopes)) return insufficientScope(res);
    next();
  };
  const user = express.Router();

  user.get("/profile", (req: Req, res) => {
    const box = req.box!;
    res.json({
      emailAddress: box.email,
      messagesTotal: box.messages.size,
      threadsTotal: new Set([...box.messages.values()].map((m) => m.threadId)).size,
      historyId: String(box.historyId),
    });
  });

  user.get("/messages", (req: Req, res) => {
    const box = req.box!;
    const labels = list(req.query.labelIds);
    const query = compileQuery(req.query.q as string | undefined);
    const spamTrash = req.query.includeSpamTrash === "true" || query.spamTrash;
    const all = [...box.messages.values()]
      .filter((m) => labels.every((l) => m.labelIds.includes(l)))
      .filter((m) => spamTrash || !m.labelIds.some((l) => l === "SPAM" || l === "TRASH"))
      .filter((m) => query.match(searchable(m)))
      .sort((a, b) => b.internalDate - a.internalDate || (BigInt(`0x${b.id}`) > BigInt(`0x${a.id}`) ? 1 : -1));
    let rest = all;
    const token = req.query.pageToken as string | undefined;
    if (token) {
      const pos = pageTokens.get(token);
      if (!pos) return invalid(res, "Invalid pageToken");
      rest = all.filter(
        (m) => m.internalDate < pos.date || (m.internalDate === pos.date && BigInt(`0x${m.id}`) < pos.id),
      );
    }
    const page = rest.slice(0, pageSize(req.query.maxResults));
    const body: Record<string, unknown> = {};
    if (page.length) body.messages = page.map((m) => ({ id: m.id, threadId: m.threadId }));
    if (rest.length > page.length) {
      const last = page[page.length - 1]!;
      const next = String(randomInt(1e9, 9e9)) + String(randomInt(1e9, 9e9));
      pageTokens.set(next, { date: last.internalDate, id: BigInt(`0x${last.id}`) });
      body.nextPageToken = next;
    }
    body.resultSizeEstimate = all.length;
    res.json(body);
  });

  const findMessage = (req: Req & { params: { id?: string } }, res: Response): StoredMessage | undefined => {
    const id = req.params.id ?? "";
    if (!/^[0-9a-f]{1,32}$/i.test(id)) {
      invalid(res, "Invalid id value");
      return undefined;
    }
    const msg = req.box!.messages.get(id);
    if (!msg) notFound(res);
    return msg;
  };

  user.get("/messages/:id", (req: Req & { params: { id?: string } }, res) => {
    const msg = findMessage(req, res);
    if (!msg) return;
    const format = String(req.query.format ?? "full").toLowerCase();
    if (!["full", "metadata", "raw", "minimal"].includes(format))
      return invalid(res, `Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.Format), "${format}"`);
    const base = {
      id: msg.id,
      threadId: msg.threadId,
      labelIds: msg.labelIds,
      snippet: snippetOf(msg.tree),
      sizeEstimate: msg.raw.length,
      historyId: msg.historyId,
      internalDate: String(msg.internalDate),
    };
    if (format === "minimal") return void res.json(base);
    if (format === "raw") return void res.json({ ...base, raw: msg.raw.toString("base64url") });
    if (format === "metadata") {
      const wanted = list(req.query.metadataHeaders).map((h) => h.toLowerCase());
      const headers = msg.tree.headers.filter((h) => !wanted.length || wanted.includes(h.name.toLowerCase()));
      return void res.json({
        ...base,
        payload: { partId: "", mimeType: msg.tree.mimeType, filename: "", headers, body: { size: 0 } },
      });
    }
    res.json({ ...base, payload: toPayload(msg.tree) });
  });

  user.get(
    "/messages/:id/attachments/:attachmentId",
    (req: Req & { params: { id?: string; attachmentId?: string } }, res) => {
      const msg = findMessage(req, res);
      if (!msg) return;
      const part = msg.attachments.get(req.params.attachmentId ?? "");
      if (!part) return notFound(res);
      res.json({ size: part.body.length, data: part.body.toString("base64url") });
    },
  );

  user.get("/history", (req: Req, res) => {
    const box = req.box!;
    const startRaw = req.query.startHistoryId as string | undefined;
    if (!startRaw || !/^\d+$/.test(startRaw)) return invalid(res, "Missing/invalid parameter: startHistoryId");
    const start = Number(startRaw);
    if (start < box.historyFloor) return notFound(res); // records this old are gone: client must full-sync
    const types = list(req.query.historyTypes);
    const labelId = req.query.labelId as string | undefined;
    const token = req.query.pageToken as string | undefined;
    if (token !== undefined && !/^\d+$/.test(token)) return invalid(res, "Invalid pageToken");
    const after = token ? Math.max(start, Number(token)) : start;
    const matching = box.history.filter(
      (h) =>
        h.id > after &&
        (!types.length || types.includes(h.type)) &&
        (!labelId || h.labelIds.includes(labelId) || Boolean(h.changed?.includes(labelId))),
    );
    const page = matching.slice(0, pageSize(req.query.maxResults));
    const body: Record<string, unknown> = {};
    if (page.length) body.history = page.map(historyJson);
    if (matching.length > page.length) body.nextPageToken = String(page[page.length - 1]!.id);
    body.historyId = String(box.historyId);
    res.json(body);
  });

  const SendBody = z.object({ raw: z.string().min(1), threadId: z.string().optional() });
  const send = async (req: Req, res: Response, raw: Buffer, threadId: string | undefined) => {
    const msg = await sendRaw(state, req.box!, raw, threadId);
    if ("error" in msg) return invalid(res, msg.error);
    res.json({ id: msg.id, threadId: msg.threadId, labelIds: msg.labelIds });
  };
  user.post("/messages/send", express.json({ limit: "50mb" }), async (req: Req, res) => {
    const body = SendBody.safeParse(req.body);
    if (!body.success) return invalid(res, "Invalid value for raw");
    await send(req, res, Buffer.from(body.data.raw, "base64url"), body.data.threadId);
  });

  // Media upload of messages.send (uploadType=media: the body is the message;
  // uploadType=multipart: multipart/related with JSON metadata then the message).
  const upload = express.Router();
  upload.post("/messages/send", express.raw({ type: () => true, limit: "50mb" }), async (req: Req, res) => {
    const type = req.query.uploadType;
    const body = req.body as Buffer;
    if (type === "media") return send(req, res, body, undefined);
    if (type === "multipart") {
      const parts = splitRelated(body, req.get("content-type") ?? "");
      const meta = parts && z.object({ threadId: z.string().optional() }).safeParse(JSON.parse(parts.json || "{}"));
      if (!parts || !meta?.success) return invalid(res, "Invalid multipart request");
      return send(req, res, parts.media, meta.data.threadId);
    }
    invalid(res, `Invalid upload type: ${String(type)}`);
  });

  r.use("/gmail/v1/users/:userId", faultsAndLog(state, "api"), requireBearer(state), checkUser, user);
  r.use("/upload/gmail/v1/users/:userId", faultsAndLog(state, "api"), requireBearer(state), checkUser, upload);
  return r;
}

function historyJson(h: HistoryRecord): Record<string, unknown> {
  const message = { id: h.messageId, threadId: h.threadId, labelIds: h.labelIds };
  const out: Record<string, unknown> = { id: String(h.id), messages: [{ id: h.messageId, threadId: h.threadId }] };
  if (h.type === "messageAdded") out.messagesAdded = [{ message }];
  if (h.type === "messageDeleted") out.messagesDeleted = [{ message: { id: h.messageId, threadId: h.threadId } }];
  if (h.type === "labelAdded") out.labelsAdded = [{ message, labelIds: h.changed ?? [] }];
  if (h.type === "labelRemoved") out.labelsRemoved = [{ message, labelIds: h.changed ?? [] }];
  return out;
}
