// Microsoft Graph v1.0 mail surface of the stand-in: /me, folder delta (nextLink/deltaLink
// with opaque server-side sync states), messages, attachments, drafts/replies/send, sendMail.
// Ids, as in Exchange: with `Prefer: IdType="ImmutableId"` a message keeps one id for life
// (a sent draft keeps it in Sent Items); without it the id encodes the folder and stops
// resolving once the message moves.
import { z } from "zod";
import { preferences, readBody, sendEmpty, sendGraphError, sendJson, type Req, type Res } from "./http.ts";
import { handleCalendar, isCalendarPath } from "./calendar.ts"; // Outlook Calendar hook-in
import {
  deltaPage,
  folderNames,
  newConversationId,
  newInternetMessageId,
  newItemId,
  opaque,
  type DeltaItem,
  type DeltaQuery,
  type DeltaState,
  type FolderName,
  type Recipient,
  type StandInState,
  type StoredAttachment,
  type StoredMessage,
  type User,
} from "./state.ts";

const recipient = z.object({ emailAddress: z.object({ name: z.string().optional(), address: z.string().email() }) });
const itemBody = z.object({
  contentType: z.string().transform((v) => (v.toLowerCase() === "html" ? "html" : "text") as "html" | "text"),
  content: z.string(),
});
const fileAttachmentInput = z.object({
  "@odata.type": z.literal("#microsoft.graph.fileAttachment"),
  name: z.string().min(1),
  contentType: z.string().optional(),
  contentBytes: z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "Invalid base64 string")
    .refine((s) => s.length % 4 === 0, "Invalid base64 string"),
  isInline: z.boolean().optional(),
  contentId: z.string().nullish(),
});
const messageInput = z.object({
  subject: z.string().optional(),
  body: itemBody.optional(),
  toRecipients: z.array(recipient).optional(),
  ccRecipients: z.array(recipient).optional(),
  bccRecipients: z.array(recipient).optional(),
  replyTo: z.array(recipient).optional(),
  isRead: z.boolean().optional(),
  attachments: z.array(fileAttachmentInput).optional(),
});

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface GraphContext {
  state: StandInState;
  base: string;
}

export function folderId(user: User, folder: FolderName): string {
  return `AQMkAD${Buffer.from(`${user.id}:${folder}`).toString("base64url")}AAAA`;
}

function wantsImmutable(prefs: Map<string, string>): boolean {
  return prefs.get("idtype")?.toLowerCase() === "immutableid";
}

/** The id a client sees for a message in a folder. */
function exposedId(id: string, folder: FolderName, prefs: Map<string, string>): string {
  return wantsImmutable(prefs) ? id : `AAMkAD${Buffer.from(`${folder}|${id}`).toString("base64url")}`;
}

/** Either id form; a folder-bound id only resolves while the message is still in that folder. */
function findMessage(user: User, raw: string): StoredMessage | undefined {
  const direct = user.messages.get(raw);
  if (direct) return direct;
  if (!raw.startsWith("AAMkAD")) return undefined;
  const [folder, id] = Buffer.from(raw.slice(6), "base64url").toString("utf8").split("|");
  const m = id ? user.messages.get(id) : undefined;
  return m && m.folder === folder ? m : undefined;
}

function resolveFolder(user: User, raw: string): FolderName {
  const name = raw.toLowerCase();
  const byName = folderNames.find((f) => f === name);
  if (byName) return byName;
  const byId = folderNames.find((f) => folderId(user, f) === raw);
  if (byId) return byId;
  throw new HttpProblem(404, "ErrorInvalidIdMalformed", "Id is malformed.");
}

export async function handleGraph(ctx: GraphContext, req: Req, res: Res, url: URL): Promise<void> {
  const user = authenticate(ctx.state, req, res);
  if (!user) return;
  try {
    await route(ctx, user, req, res, url);
  } catch (err) {
    if (err instanceof HttpProblem) return sendGraphError(res, err.status, err.code, err.message);
    throw err;
  }
}

function authenticate(state: StandInState, req: Req, res: Res): User | undefined {
  const m = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ""));
  const grant = m ? state.accessTokens.get(m[1]!) : undefined;
  const user = grant && grant.expiresAt > Date.now() ? state.user(grant.email) : undefined;
  if (!user) {
    sendGraphError(
      res,
      401,
      "InvalidAuthenticationToken",
      m ? "Access token has expired or is not yet valid." : "Access token is empty.",
      {
        "WWW-Authenticate":
          'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
      },
    );
  }
  return user;
}

async function route(ctx: GraphContext, user: User, req: Req, res: Res, url: URL): Promise<void> {
  // mailFolders('X') and mailFolders/X are the same resource.
  const normalised = url.pathname.replace(/^\/v1\.0/, "").replace(/\(\s*'([^']*)'\s*\)/g, "/$1");
  const seg = normalised
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  const lower = seg.map((s) => s.toLowerCase());
  const method = req.method ?? "GET";
  const is = (...parts: (string | null)[]) =>
    parts.length === lower.length && parts.every((p, i) => p === null || p === lower[i]);

  // Outlook Calendar hook-in: calendars, events, calendarView(/delta) and $batch live in calendar.ts.
  if (isCalendarPath(lower)) return handleCalendar(ctx, user, req, res, url, seg);
  if (lower[0] !== "me")
    throw new HttpProblem(400, "BadRequest", `Resource not found for the segment '${seg[0] ?? ""}'.`);
  if (is("me") && method === "GET") return sendJson(res, 200, me(ctx, user));
  if (is("me", "mailfolders", null, "messages", "delta") && method === "GET")
    return delta(ctx, user, resolveFolder(user, seg[2]!), req, res, url);
  if (is("me", "mailfolders", null, "messages") && method === "GET")
    return listFolder(ctx, user, resolveFolder(user, seg[2]!), req, res, url);
  if (is("me", "messages") && method === "POST") return createDraft(user, req, res);
  if (is("me", "sendmail") && method === "POST") return sendMail(ctx.state, user, req, res);
  if (lower[1] === "messages" && seg[2]) {
    const msg = findMessage(user, seg[2]);
    if (!msg) throw new HttpProblem(404, "ErrorItemNotFound", "The specified object was not found in the store.");
    if (is("me", "messages", null) && method === "GET")
      return sendJson(
        res,
        200,
        withContext(ctx, "messages/$entity", select(resource(user, msg, preferences(req)), url)),
      );
    if (is("me", "messages", null) && method === "PATCH") return patchMessage(user, msg, req, res);
    if (is("me", "messages", null) && method === "DELETE") {
      ctx.state.place(user, msg, "deleteditems");
      return sendEmpty(res, 204);
    }
    if (is("me", "messages", null, "attachments") && method === "GET")
      return sendJson(res, 200, {
        "@odata.context": `${ctx.base}/v1.0/$metadata#users('${user.id}')/messages('${msg.id}')/attachments`,
        value: msg.attachments.map(attachmentResource),
      });
    if (is("me", "messages", null, "attachments") && method === "POST") return addAttachment(msg, req, res);
    if (is("me", "messages", null, "attachments", null) || is("me", "messages", null, "attachments", null, "$value")) {
      const att = msg.attachments.find((a) => a.id === seg[4]);
      if (!att || method !== "GET")
        throw new HttpProblem(404, "ErrorItemNotFound", "The specified object was not found in the store.");
      if (lower.length === 6) {
        res.writeHead(200, { "Content-Type": att.contentType, "Content-Length": att.content.length });
        return void res.end(att.content);
      }
      return sendJson(res, 200, attachmentResource(att));
    }
    if (is("me", "messages", null, "createreply") && method === "POST") return createReply(user, msg, req, res);
    if (is("me", "messages", null, "send") && method === "POST") return sendDraft(ctx.state, user, msg, res);
  }
  throw new HttpProblem(400, "BadRequest", `Resource not found for the segment '${seg[seg.length - 1] ?? ""}'.`);
}

function me(ctx: GraphContext, user: User) {
  const [given, ...rest] = user.displayName.split(" ");
  return {
    "@odata.context": `${ctx.base}/v1.0/$metadata#users/$entity`,
    businessPhones: [],
    displayName: user.displayName,
    givenName: given ?? null,
    surname: rest.join(" ") || null,
    jobTitle: null,
    mail: user.personal ? null : user.email,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    userPrincipalName: user.email,
    id: user.id,
  };
}

// ---- message resources --------------------------------------------------------------------

function htmlToPlain(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div)>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .trim();
}

function resource(user: User, m: StoredMessage, prefs: Map<string, string>): Record<string, unknown> {
  const wantText = prefs.get("outlook.body-content-type")?.toLowerCase() === "text";
  const body =
    wantText && m.body.contentType === "html" ? { contentType: "text", content: htmlToPlain(m.body.content) } : m.body;
  const preview = (m.body.contentType === "html" ? htmlToPlain(m.body.content) : m.body.content)
    .replace(/\s+/g, " ")
    .slice(0, 255);
  return {
    "@odata.type": "#microsoft.graph.message",
    "@odata.etag": `W/"${m.changeKey}"`,
    id: exposedId(m.id, m.folder, prefs),
    createdDateTime: m.createdDateTime,
    lastModifiedDateTime: m.lastModifiedDateTime,
    changeKey: m.changeKey,
    categories: [],
    receivedDateTime: m.receivedDateTime,
    sentDateTime: m.sentDateTime,
    // Graph's hasAttachments ignores inline attachments (a well-known trap).
    hasAttachments: m.attachments.some((a) => !a.isInline),
    internetMessageId: m.internetMessageId,
    subject: m.subject,
    bodyPreview: preview,
    importance: "normal",
    parentFolderId: folderId(user, m.folder),
    conversationId: m.conversationId,
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: m.isRead,
    isDraft: m.isDraft,
    webLink: `https://outlook.live.com/owa/?ItemID=${encodeURIComponent(m.id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: "focused",
    body,
    sender: m.from ?? null,
    from: m.from ?? null,
    toRecipients: m.toRecipients,
    ccRecipients: m.ccRecipients,
    bccRecipients: m.bccRecipients,
    replyTo: m.replyTo,
    flag: { flagStatus: "notFlagged" },
  };
}

function select(full: Record<string, unknown>, url: URL): Record<string, unknown> {
  const raw = url.searchParams.get("$select");
  return raw
    ? pick(
        full,
        raw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
    : full;
}

function pick(full: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  return Object.fromEntries(
    Object.entries(full).filter(([k]) => k.startsWith("@odata.") || k === "id" || wanted.has(k.toLowerCase())),
  );
}

function withContext(ctx: GraphContext, what: string, body: Record<string, unknown>): Record<string, unknown> {
  return { "@odata.context": `${ctx.base}/v1.0/$metadata#users('me')/${what}`, ...body };
}

function attachmentResource(a: StoredAttachment): Record<string, unknown> {
  const common = {
    id: a.id,
    lastModifiedDateTime: a.lastModifiedDateTime,
    name: a.name,
    contentType: a.contentType,
    size: a.content.length,
    isInline: a.isInline,
  };
  if (a.kind === "item") return { "@odata.type": "#microsoft.graph.itemAttachment", ...common };
  if (a.kind === "reference") return { "@odata.type": "#microsoft.graph.referenceAttachment", ...common };
  return {
    "@odata.type": "#microsoft.graph.fileAttachment",
    "@odata.mediaContentType": a.contentType,
    ...common,
    contentId: a.contentId ?? null,
    contentLocation: null,
    contentBytes: a.content.toString("base64"),
  };
}

// ---- delta -----------------------------------------------------------------------------

function parseDeltaQuery(folder: FolderName, url: URL): DeltaQuery {
  const q = url.searchParams;
  const query: DeltaQuery = { folder, orderDesc: false };
  const sel = q.get("$select");
  if (sel)
    query.select = sel
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const filter = q.get("$filter");
  if (filter) {
    const m = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec(filter);
    const at = m ? Date.parse(m[2]!) : NaN;
    if (!m || Number.isNaN(at))
      throw new HttpProblem(400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
    query.since = { op: m[1]!.toLowerCase() as "ge" | "gt", at };
  }
  const orderby = q.get("$orderby");
  if (orderby) {
    if (!/^\s*receivedDateTime\s+desc\s*$/i.test(orderby))
      throw new HttpProblem(
        400,
        "ErrorInvalidUrlQuery",
        "The only supported $orderby expression is receivedDateTime desc.",
      );
    query.orderDesc = true;
  }
  const changeType = q.get("changeType");
  if (changeType) {
    if (!["created", "updated", "deleted"].includes(changeType))
      throw new HttpProblem(400, "ErrorInvalidUrlQuery", "Invalid changeType.");
    query.changeType = changeType as DeltaQuery["changeType"];
  }
  return query;
}

function roundItems(user: User, query: DeltaQuery, watermark: number | undefined): DeltaItem[] {
  const passes = (m: StoredMessage) => {
    if (!query.since) return true;
    const t = Date.parse(m.receivedDateTime);
    return query.since.op === "ge" ? t >= query.since.at : t > query.since.at;
  };
  const messages =
    query.changeType === "deleted"
      ? []
      : [...user.messages.values()]
          .filter((m) => m.folder === query.folder && (watermark === undefined || m.seq > watermark) && passes(m))
          .sort((a, b) =>
            query.orderDesc ? Date.parse(b.receivedDateTime) - Date.parse(a.receivedDateTime) : a.seq - b.seq,
          );
  const items: DeltaItem[] = messages.map((m) => ({ id: m.id }));
  if (watermark !== undefined && query.changeType !== "created")
    for (const r of user.removals) if (r.folder === query.folder && r.seq > watermark) items.push({ removedId: r.id });
  return items;
}

function delta(ctx: GraphContext, user: User, folder: FolderName, req: Req, res: Res, url: URL): void {
  const token = url.searchParams.get("$skiptoken") ?? url.searchParams.get("$deltatoken");
  let round: Extract<DeltaState, { kind: "skip" }>;
  if (token) {
    const st = ctx.state.deltaStates.get(token);
    if (!st || st.email !== user.email || st.generation !== user.deltaGeneration || st.query.folder !== folder)
      throw new HttpProblem(
        410,
        "syncStateNotFound",
        "The sync state generation is not found. The delta token is no longer valid; start a new sync round without a token.",
      );
    round =
      st.kind === "skip"
        ? st
        : {
            kind: "skip",
            email: user.email,
            generation: user.deltaGeneration,
            query: st.query,
            items: roundItems(user, st.query, st.watermark),
            pos: 0,
            highWater: user.seq,
          };
  } else {
    const query = parseDeltaQuery(folder, url);
    round = {
      kind: "skip",
      email: user.email,
      generation: user.deltaGeneration,
      query,
      items: roundItems(user, query, undefined),
      pos: 0,
      highWater: user.seq,
    };
  }

  const prefs = preferences(req);
  const size = Math.min(Math.max(Number(prefs.get("odata.maxpagesize")) || 10, 1), 1000);
  const slice = round.items.slice(round.pos, round.pos + size);
  const value = slice.flatMap((item) => {
    if ("removedId" in item)
      return [
        {
          "@odata.type": "#microsoft.graph.message",
          id: exposedId(item.removedId, folder, prefs),
          "@removed": { reason: "deleted" },
        },
      ];
    const m = user.messages.get(item.id);
    if (!m || m.folder !== folder) return []; // left the folder mid-round: reported as @removed next round
    const full = resource(user, m, prefs);
    return [round.query.select ? pick(full, round.query.select) : full];
  });

  const body = deltaPage<DeltaState>(ctx.state.deltaStates, round, size, {
    context: `${ctx.base}/v1.0/$metadata#Collection(message)`,
    linkBase: `${ctx.base}/v1.0/me/mailfolders('${folderId(user, folder)}')/messages/delta`,
    value,
    done: () => ({
      kind: "delta",
      email: user.email,
      generation: user.deltaGeneration,
      query: round.query,
      watermark: round.highWater,
    }),
  });
  const applied = [...prefs.entries()]
    .filter(([k]) => ["odata.maxpagesize", "idtype", "outlook.body-content-type"].includes(k))
    .map(([k, v]) => (k === "odata.maxpagesize" ? `${k}=${size}` : `${k === "idtype" ? "IdType" : k}="${v}"`));
  sendJson(res, 200, body, applied.length ? { "Preference-Applied": applied.join(", ") } : {});
}

function listFolder(ctx: GraphContext, user: User, folder: FolderName, req: Req, res: Res, url: URL): void {
  const top = Math.min(Math.max(Number(url.searchParams.get("$top")) || 10, 1), 1000);
  const prefs = preferences(req);
  const items = [...user.messages.values()]
    .filter((m) => m.folder === folder)
    .sort((a, b) => Date.parse(b.receivedDateTime) - Date.parse(a.receivedDateTime))
    .slice(0, top);
  sendJson(res, 200, {
    "@odata.context": `${ctx.base}/v1.0/$metadata#users('${user.id}')/mailFolders('${folder}')/messages`,
    value: items.map((m) => select(resource(user, m, prefs), url)),
  });
}

// ---- drafts, replies, sending -----------------------------------------------------------

async function jsonBody<T extends z.ZodType>(req: Req, schema: T, allowEmpty = false): Promise<z.output<T>> {
  const raw = (await readBody(req)).toString("utf8");
  let parsed: unknown;
  try {
    parsed = raw.trim() === "" && allowEmpty ? {} : JSON.parse(raw);
  } catch {
    throw new HttpProblem(400, "RequestBodyRead", "Invalid JSON in the request body.");
  }
  const out = schema.safeParse(parsed);
  if (!out.success)
    throw new HttpProblem(
      400,
      "ErrorInvalidRequest",
      `Invalid request: ${out.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    );
  return out.data;
}

function newMessage(user: User, init: Partial<StoredMessage>): StoredMessage {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    id: newItemId(),
    folder: "drafts",
    seq: 0,
    createdDateTime: now,
    lastModifiedDateTime: now,
    receivedDateTime: now,
    sentDateTime: null,
    subject: "",
    body: { contentType: "text", content: "" },
    from: { emailAddress: { name: user.displayName, address: user.email } },
    toRecipients: [],
    ccRecipients: [],
    bccRecipients: [],
    replyTo: [],
    conversationId: newConversationId(),
    internetMessageId: newInternetMessageId(),
    isRead: true,
    isDraft: true,
    changeKey: opaque(18),
    attachments: [],
    ...init,
  };
}

function storedAttachment(a: z.output<typeof fileAttachmentInput>): StoredAttachment {
  return {
    id: `AAMkAGI2TG93AAABEgAQ${opaque(18)}=`,
    kind: "file",
    name: a.name,
    contentType: a.contentType ?? "application/octet-stream",
    content: Buffer.from(a.contentBytes, "base64"),
    isInline: a.isInline ?? false,
    contentId: a.contentId ?? undefined,
    lastModifiedDateTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
}

function applyInput(m: StoredMessage, input: z.output<typeof messageInput>): void {
  if (input.subject !== undefined) m.subject = input.subject;
  if (input.body) m.body = input.body;
  if (input.toRecipients) m.toRecipients = input.toRecipients;
  if (input.ccRecipients) m.ccRecipients = input.ccRecipients;
  if (input.bccRecipients) m.bccRecipients = input.bccRecipients;
  if (input.replyTo) m.replyTo = input.replyTo;
  if (input.isRead !== undefined) m.isRead = input.isRead;
  if (input.attachments) m.attachments.push(...input.attachments.map(storedAttachment));
  m.lastModifiedDateTime = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  m.changeKey = opaque(18);
}

async function createDraft(user: User, req: Req, res: Res): Promise<void> {
  const input = await jsonBody(req, messageInput);
  const draft = newMessage(user, {});
  applyInput(draft, input);
  placeDraft(user, draft);
  sendJson(res, 201, resource(user, draft, preferences(req)));
}

function placeDraft(user: User, draft: StoredMessage): void {
  draft.seq = ++user.seq;
  user.messages.set(draft.id, draft);
}

async function createReply(user: User, original: StoredMessage, req: Req, res: Res): Promise<void> {
  const input = await jsonBody(
    req,
    z.object({ comment: z.string().optional(), message: messageInput.optional() }),
    true,
  );
  if (input.comment !== undefined && input.message?.body)
    throw new HttpProblem(
      400,
      "ErrorInvalidRequest",
      "Both comment and message.body were provided; only one is allowed.",
    );
  const ownMessage = original.from?.emailAddress.address.toLowerCase() === user.email;
  const to = ownMessage
    ? original.toRecipients
    : original.replyTo.length
      ? original.replyTo
      : original.from
        ? [original.from]
        : [];
  const quoted =
    original.body.contentType === "html"
      ? original.body.content
      : `<pre>${original.body.content.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!)}</pre>`;
  const draft = newMessage(user, {
    subject: /^re:/i.test(original.subject) ? original.subject : `RE: ${original.subject}`,
    toRecipients: to,
    conversationId: original.conversationId,
    inReplyTo: original.internetMessageId,
    references: [...(original.references ?? []), original.internetMessageId],
    body: {
      contentType: "html",
      content: `<html><body>${input.comment ?? ""}<hr><div id="divRplyFwdMsg">${quoted}</div></body></html>`,
    },
  });
  if (input.message) applyInput(draft, input.message);
  placeDraft(user, draft);
  sendJson(res, 201, resource(user, draft, preferences(req)));
}

async function patchMessage(user: User, msg: StoredMessage, req: Req, res: Res): Promise<void> {
  const input = await jsonBody(req, messageInput.omit({ attachments: true }));
  const touchesContent = ["subject", "body", "toRecipients", "ccRecipients", "bccRecipients"].some((k) => k in input);
  if (!msg.isDraft && touchesContent)
    throw new HttpProblem(
      400,
      "ErrorInvalidPropertyUpdateSentMessage",
      "Update operation is invalid for property of a sent message.",
    );
  applyInput(msg, input);
  sendJson(res, 200, resource(user, msg, preferences(req)));
}

async function addAttachment(msg: StoredMessage, req: Req, res: Res): Promise<void> {
  if (!msg.isDraft)
    throw new HttpProblem(400, "ErrorInvalidOperation", "Attachments can only be added to draft messages.");
  const raw = (await readBody(req)).toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new HttpProblem(400, "RequestBodyRead", "Invalid JSON in the request body.");
  }
  if ((parsed as Record<string, unknown>)?.["@odata.type"] !== "#microsoft.graph.fileAttachment")
    throw new HttpProblem(400, "ErrorInvalidRequest", "The stand-in accepts #microsoft.graph.fileAttachment only.");
  const input = fileAttachmentInput.safeParse(parsed);
  if (!input.success)
    throw new HttpProblem(400, "ErrorInvalidRequest", "Invalid base64 string for attachment content.");
  if (Buffer.from(input.data.contentBytes, "base64").length > 3 * 1024 * 1024)
    throw new HttpProblem(413, "ErrorRequestEntityTooLarge", "The attachment exceeds 3 MB; use an upload session.");
  const att = storedAttachment(input.data);
  msg.attachments.push(att);
  msg.changeKey = opaque(18);
  sendJson(res, 201, attachmentResource(att));
}

function assertSendable(m: StoredMessage): void {
  if (!m.toRecipients.length && !m.ccRecipients.length && !m.bccRecipients.length)
    throw new HttpProblem(
      400,
      "ErrorInvalidRecipients",
      "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
    );
}

function markSent(state: StandInState, user: User, m: StoredMessage, via: "send" | "sendMail", save: boolean): void {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  m.isDraft = false;
  m.isRead = true;
  m.sentDateTime = now;
  m.receivedDateTime = now;
  m.from = { emailAddress: { name: user.displayName, address: user.email } };
  if (save)
    state.place(user, m, "sentitems"); // same id: immutable ids survive the move
  else user.messages.delete(m.id);
  const addr = (r: Recipient[]) => r.map((x) => x.emailAddress.address);
  state.recordSent(user.email, {
    id: m.id,
    internetMessageId: m.internetMessageId,
    conversationId: m.conversationId,
    subject: m.subject,
    from: user.email,
    to: addr(m.toRecipients),
    cc: addr(m.ccRecipients),
    bcc: addr(m.bccRecipients),
    body: { ...m.body },
    attachments: m.attachments.map((a) => ({
      name: a.name,
      contentType: a.contentType,
      content: Buffer.from(a.content),
    })),
    inReplyTo: m.inReplyTo,
    references: m.references,
    via,
    sentAt: new Date(now),
  });
}

function sendDraft(state: StandInState, user: User, msg: StoredMessage, res: Res): void {
  if (!msg.isDraft) throw new HttpProblem(400, "ErrorInvalidOperation", "The item has already been sent.");
  assertSendable(msg);
  markSent(state, user, msg, "send", true);
  sendEmpty(res, 202);
}

async function sendMail(state: StandInState, user: User, req: Req, res: Res): Promise<void> {
  const input = await jsonBody(req, z.object({ message: messageInput, saveToSentItems: z.boolean().optional() }));
  const m = newMessage(user, {});
  applyInput(m, input.message);
  assertSendable(m);
  markSent(state, user, m, "sendMail", input.saveToSentItems !== false);
  sendEmpty(res, 202);
}
