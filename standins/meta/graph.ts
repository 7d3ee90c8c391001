// Graph API endpoints of the stand-in: /me, /me/permissions, /me/accounts, subscribed_apps,
// the Send API (/me/messages, JSON, form or multipart with filedata), the Attachment Upload
// API, the Conversations API and plain node reads. Tokens come as Bearer or access_token and
// must carry a matching appsecret_proof.
import { createHmac, timingSafeEqual } from "node:crypto";
import {
  BadRequest,
  decodeCursor,
  encodeCursor,
  jsonParam,
  parseFields,
  readParams,
  select,
  sendGraphError,
  sendJson,
  type FieldSpec,
  type Params,
  type Req,
  type Res,
} from "./http.ts";
import { accessToken } from "./oauth.ts";
import {
  digits,
  graphTime,
  type Blob,
  type Conversation,
  type MessagingAccount,
  type MetaState,
  type Page,
  type Party,
  type StoredMessage,
  type TokenGrant,
} from "./state.ts";

export interface GraphContext {
  state: MetaState;
  base: string;
  requireAppSecretProof: boolean;
}

const DAY = 86_400_000;
const ALLOWED_FIELDS = new Set([
  "messages",
  "messaging_postbacks",
  "message_deliveries",
  "message_reads",
  "message_echoes",
  "messaging_optins",
  "messaging_referrals",
  "message_reactions",
  "messaging_handovers",
  "standby",
  "messaging_account_linking",
  "feed",
]);
const ATTACHMENT_TYPES = new Set(["image", "video", "audio", "file"]);

type Authed = TokenGrant & { token: string };

function authenticate(ctx: GraphContext, req: Req, res: Res, p: Params): Authed | undefined {
  const header = String(req.headers.authorization ?? "");
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? p.values.get("access_token") ?? "";
  if (!token) {
    sendGraphError(res, 400, {
      message: "An active access token must be used to query information about the current user.",
      code: 2500,
    });
    return undefined;
  }
  const grant = ctx.state.tokens.get(token);
  if (!grant) {
    sendGraphError(res, 400, { message: "Invalid OAuth access token - Cannot parse access token", code: 190 });
    return undefined;
  }
  if (grant.expired) {
    const day = new Date(Date.now() - 3_600_000).toUTCString();
    sendGraphError(res, 400, {
      message: `Error validating access token: Session has expired on ${day}. The current time is ${new Date().toUTCString()}.`,
      code: 190,
      subcode: 463,
    });
    return undefined;
  }
  const proof = p.values.get("appsecret_proof");
  const expected = createHmac("sha256", ctx.state.appSecret).update(token).digest("hex");
  if (
    proof !== undefined &&
    !(proof.length === expected.length && timingSafeEqual(Buffer.from(proof), Buffer.from(expected)))
  ) {
    sendGraphError(res, 400, {
      message: "Invalid appsecret_proof provided in the API argument",
      code: 100,
      type: "GraphMethodException",
    });
    return undefined;
  }
  if (proof === undefined && ctx.requireAppSecretProof) {
    sendGraphError(res, 400, {
      message: "API calls from the server require an appsecret_proof argument",
      code: 100,
      type: "GraphMethodException",
    });
    return undefined;
  }
  return { ...grant, token };
}

function pageOfToken(ctx: GraphContext, res: Res, auth: Authed, pathPageId?: string): Page | undefined {
  const page = auth.kind === "page" && auth.pageId ? ctx.state.pages.get(auth.pageId) : undefined;
  if (!page || (pathPageId && pathPageId !== "me" && pathPageId !== page.id)) {
    sendGraphError(res, 400, {
      message: "(#210) A page access token is required to request this resource.",
      code: 210,
    });
    return undefined;
  }
  return page;
}

export async function handleGraph(ctx: GraphContext, req: Req, res: Res, url: URL, segments: string[]): Promise<void> {
  let p: Params;
  try {
    p = await readParams(req, url);
  } catch (err) {
    if (err instanceof BadRequest) return sendGraphError(res, 400, { message: err.message, code: 100 });
    throw err;
  }
  const method = (p.values.get("method") ?? req.method ?? "GET").toUpperCase();
  const [first, second, ...rest] = segments;
  if (rest.length || !first) return unknownPath(res, url);
  if (first === "oauth" && second === "access_token") return accessToken(ctx.state, res, p.values);
  if (first === "debug_token" && second === undefined && method === "GET") return debugToken(ctx, req, res, p);

  const auth = authenticate(ctx, req, res, p);
  if (!auth) return;

  if (second === undefined && method === "GET") return node(ctx, res, auth, first, p);
  if (first === "me" && second === "permissions" && method === "GET") return permissions(ctx, res, auth);
  if (first === "me" && second === "accounts" && method === "GET") return accounts(ctx, res, auth, p, url);
  if (second === "subscribed_apps") return subscribedApps(ctx, res, auth, first, method, p);
  if (second === "messages" && method === "POST") return sendMessage(ctx, res, auth, first, p);
  if (second === "message_attachments" && method === "POST") return uploadAttachment(ctx, res, auth, first, p);
  if (second === "conversations" && method === "GET") return conversations(ctx, res, auth, first, p, url);
  if (second === "messages" && method === "GET") return conversationMessages(ctx, res, auth, first, p, url);
  return unknownPath(res, url);
}

function unknownPath(res: Res, url: URL): void {
  sendGraphError(res, 400, {
    message: `Unsupported request - method type: get (${url.pathname})`,
    code: 100,
    subcode: 33,
    type: "GraphMethodException",
  });
}

// ---- nodes ---------------------------------------------------------------------------------

function node(ctx: GraphContext, res: Res, auth: Authed, id: string, p: Params): void {
  const { state } = ctx;
  const fields = parseFields(p.values.get("fields"));
  if (id === "me") {
    if (auth.kind === "page") {
      const page = state.pages.get(auth.pageId!)!;
      return sendJson(
        res,
        200,
        select({ id: page.id, name: page.name, category: "Tattoo & Piercing Shop" }, fields, ["name"]),
      );
    }
    const user = state.users.get(auth.userId)!;
    return sendJson(res, 200, select({ id: user.id, name: user.name }, fields, ["name"]));
  }
  const page = state.pages.get(id);
  if (page)
    return sendJson(
      res,
      200,
      select({ id: page.id, name: page.name, category: "Tattoo & Piercing Shop" }, fields, ["name"]),
    );
  for (const pg of state.pages.values()) {
    if (pg.instagram?.id !== id) continue;
    if (auth.kind === "page" && auth.pageId !== pg.id) break;
    return sendJson(res, 200, select({ id, username: pg.instagram.username, name: pg.name }, fields, ["username"]));
  }
  const user = state.users.get(id);
  if (user) return sendJson(res, 200, select({ id: user.id, name: user.name }, fields, ["name"]));
  sendGraphError(res, 400, {
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    code: 100,
    subcode: 33,
    type: "GraphMethodException",
  });
}

/** GET /debug_token?input_token=…, authorised with the app token "{app-id}|{app-secret}". A page
 *  token carries the scopes its user granted; an unknown token is 200 with is_valid:false. */
function debugToken(ctx: GraphContext, req: Req, res: Res, p: Params): void {
  const { state } = ctx;
  const appToken =
    /^Bearer\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1]?.trim() ?? p.values.get("access_token") ?? "";
  if (appToken !== `${state.appId}|${state.appSecret}`)
    return sendGraphError(res, 400, { message: "Invalid OAuth access token signature.", code: 190 });
  const input = p.values.get("input_token");
  if (!input) return sendGraphError(res, 400, { message: "(#100) The parameter input_token is required", code: 100 });
  const grant = state.tokens.get(input);
  if (!grant)
    return sendJson(res, 200, {
      data: { is_valid: false, scopes: [], error: { code: 190, message: "Invalid OAuth access token." } },
    });
  const userScopes = new Set<string>();
  for (const g of state.tokens.values())
    if (g.kind === "user" && g.userId === grant.userId && !g.expired) for (const s of g.scopes) userScopes.add(s);
  const scopes = grant.kind === "user" ? grant.scopes : [...userScopes];
  sendJson(res, 200, {
    data: {
      app_id: state.appId,
      type: grant.kind.toUpperCase(),
      application: "Tatu",
      data_access_expires_at: Math.floor(Date.now() / 1000) + 90 * 86_400,
      expires_at: grant.kind === "page" || grant.longLived ? 0 : Math.floor(Date.now() / 1000) + 3600,
      is_valid: !grant.expired,
      issued_at: Math.floor(Date.now() / 1000),
      scopes,
      granular_scopes: scopes.map((scope) => ({ scope })),
      user_id: grant.userId,
      ...(grant.pageId ? { profile_id: grant.pageId } : {}),
    },
  });
}

function permissions(ctx: GraphContext, res: Res, auth: Authed): void {
  if (auth.kind !== "user")
    return sendGraphError(res, 400, { message: "(#100) Unknown fields: permissions.", code: 100 });
  const declined = ctx.state.declineScopes.filter((s) => !auth.scopes.includes(s));
  sendJson(res, 200, {
    data: [
      { permission: "public_profile", status: "granted" },
      ...auth.scopes.map((permission) => ({ permission, status: "granted" })),
      ...declined.map((permission) => ({ permission, status: "declined" })),
    ],
  });
}

/** Offset paging with Graph-shaped cursors and a `next` link that, as Graph's does, embeds the token. */
function paged<T>(
  items: T[],
  p: Params,
  url: URL,
  base: string,
  token: string,
  defaultLimit = 25,
): { data: T[]; paging?: Record<string, unknown> } | undefined {
  const offset = decodeCursor(p.values.get("after"));
  if (offset === undefined) return undefined;
  const limit = Math.max(1, Math.min(100, Number(p.values.get("limit") ?? defaultLimit) || defaultLimit));
  const data = items.slice(offset, offset + limit);
  if (!data.length && offset === 0) return { data };
  const cursors = { before: encodeCursor(offset), after: encodeCursor(offset + data.length) };
  const paging: Record<string, unknown> = { cursors };
  if (offset + data.length < items.length) {
    const next = new URL(`${base}${url.pathname}`);
    for (const [k, v] of p.values) if (k !== "after" && k !== "method") next.searchParams.set(k, v);
    next.searchParams.set("access_token", token);
    next.searchParams.set("limit", String(limit));
    next.searchParams.set("after", cursors.after);
    paging.next = next.toString();
  }
  return { data, paging };
}

function invalidCursor(res: Res): void {
  sendGraphError(res, 400, { message: "(#100) The after cursor is not valid.", code: 100 });
}

function accounts(ctx: GraphContext, res: Res, auth: Authed, p: Params, url: URL): void {
  if (auth.kind !== "user")
    return sendGraphError(res, 400, {
      message: "(#100) Tried accessing nonexisting field (accounts) on node type (Page)",
      code: 100,
    });
  const fields = parseFields(p.values.get("fields"));
  const igSpec = fields?.find((f) => f.name === "instagram_business_account");
  const pages = auth.scopes.includes("pages_show_list")
    ? [...ctx.state.pages.values()].filter((pg) => pg.ownerUserId === auth.userId)
    : [];
  const nodes = pages.map((pg) => {
    const full: Record<string, unknown> = {
      id: pg.id,
      name: pg.name,
      access_token: pg.accessToken,
      category: "Tattoo & Piercing Shop",
      category_list: [{ id: "2225", name: "Tattoo & Piercing Shop" }],
      tasks: ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MESSAGING", "MANAGE"],
    };
    if (igSpec && pg.instagram && auth.scopes.includes("instagram_basic"))
      full.instagram_business_account = select(
        { id: pg.instagram.id, username: pg.instagram.username },
        igSpec.sub,
        [],
      );
    return select(full, fields, ["access_token", "category", "category_list", "name", "tasks"]);
  });
  const page = paged(nodes, p, url, ctx.base, auth.token);
  if (!page) return invalidCursor(res);
  sendJson(res, 200, page);
}

function subscribedApps(ctx: GraphContext, res: Res, auth: Authed, pageId: string, method: string, p: Params): void {
  const page = pageOfToken(ctx, res, auth, pageId);
  if (!page) return;
  const { state } = ctx;
  const current = () => state.subscriptions.filter((s) => s.pageId === page.id).at(-1);
  if (method === "GET") {
    const sub = current();
    return sendJson(res, 200, {
      data:
        sub && sub.fields.length
          ? [
              {
                category: "Business",
                link: `${ctx.base}/app`,
                name: "Tatu",
                id: state.appId,
                subscribed_fields: sub.fields,
              },
            ]
          : [],
    });
  }
  if (method === "DELETE") {
    state.subscriptions.push({ pageId: page.id, fields: [], at: new Date() });
    return sendJson(res, 200, { success: true });
  }
  if (method !== "POST") return sendGraphError(res, 400, { message: "Unsupported method", code: 100 });
  const raw = p.json?.subscribed_fields ?? p.values.get("subscribed_fields");
  const fields = (Array.isArray(raw) ? raw.map(String) : typeof raw === "string" ? raw.split(",") : [])
    .map((f) => f.trim())
    .filter(Boolean);
  if (!fields.length)
    return sendGraphError(res, 400, { message: "(#100) The parameter subscribed_fields is required", code: 100 });
  const bad = fields.findIndex((f) => !ALLOWED_FIELDS.has(f));
  if (bad !== -1)
    return sendGraphError(res, 400, {
      message: `(#100) Param subscribed_fields[${bad}] must be one of {${[...ALLOWED_FIELDS].join(", ")}} - got "${fields[bad]}".`,
      code: 100,
    });
  state.subscriptions.push({ pageId: page.id, fields, at: new Date() });
  sendJson(res, 200, { success: true });
}

// ---- Send API ------------------------------------------------------------------------------

type Account = MessagingAccount & { page: Page };

function recipientAccount(ctx: GraphContext, page: Page, recipientId: string): Account | undefined {
  if (page.messenger.customers.has(recipientId)) return { ...page.messenger, page };
  if (page.instagram?.customers.has(recipientId)) return { ...page.instagram, page };
  return undefined;
}

async function attachmentBlob(
  ctx: GraphContext,
  res: Res,
  attachment: Record<string, unknown>,
  p: Params,
): Promise<{ type: string; blob: Blob } | undefined> {
  const type = String(attachment.type ?? "").toLowerCase();
  if (!ATTACHMENT_TYPES.has(type)) {
    sendGraphError(res, 400, {
      message: "(#100) Param message[attachment][type] must be one of {IMAGE, AUDIO, VIDEO, FILE, TEMPLATE}",
      code: 100,
    });
    return undefined;
  }
  const payload = (
    typeof attachment.payload === "object" && attachment.payload !== null ? attachment.payload : {}
  ) as Record<string, unknown>;
  const file = p.files.get("filedata");
  if (file) return { type, blob: file };
  if (payload.attachment_id !== undefined) {
    const upload = ctx.state.uploads.get(String(payload.attachment_id));
    if (!upload) {
      sendGraphError(res, 400, { message: "(#100) Invalid attachment_id", code: 100, subcode: 2018047 });
      return undefined;
    }
    return { type, blob: ctx.state.blobs.get(upload.blobId)! };
  }
  if (typeof payload.url === "string") {
    // The stand-in cannot reach the internet: only loopback URLs can be fetched.
    const url = new URL(payload.url);
    const got =
      url.hostname === "127.0.0.1" || url.hostname === "localhost"
        ? await fetch(url).catch(() => undefined)
        : undefined;
    if (!got?.ok) {
      sendGraphError(res, 400, {
        message: "(#100) Failed to fetch the file from the url",
        code: 100,
        subcode: 2018008,
      });
      return undefined;
    }
    const name = url.pathname.split("/").pop() || "file";
    return {
      type,
      blob: {
        content: Buffer.from(await got.arrayBuffer()),
        contentType: got.headers.get("content-type") ?? "application/octet-stream",
        filename: name,
      },
    };
  }
  sendGraphError(res, 400, { message: "(#100) Upload attachment failure.", code: 100, subcode: 2018047 });
  return undefined;
}

async function sendMessage(ctx: GraphContext, res: Res, auth: Authed, pageId: string, p: Params): Promise<void> {
  const { state } = ctx;
  const page = pageOfToken(ctx, res, auth, pageId);
  if (!page) return;
  const recipient = jsonParam(p, "recipient");
  const recipientId = recipient?.id !== undefined ? String(recipient.id) : "";
  if (!recipientId)
    return sendGraphError(res, 400, { message: "(#100) The parameter recipient is required", code: 100 });
  const account = recipientAccount(ctx, page, recipientId);
  if (!account)
    return sendGraphError(res, 400, { message: "(#100) No matching user found", code: 100, subcode: 2018001 });
  const message = jsonParam(p, "message");
  if (!message) return sendGraphError(res, 400, { message: "(#100) The parameter message is required", code: 100 });

  const messagingType = p.values.get("messaging_type");
  if (account.platform === "messenger" && !messagingType)
    return sendGraphError(res, 400, { message: "(#100) The parameter messaging_type is required", code: 100 });
  if (messagingType && !["RESPONSE", "UPDATE", "MESSAGE_TAG"].includes(messagingType))
    return sendGraphError(res, 400, {
      message: "(#100) Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}",
      code: 100,
    });
  const tag = p.values.get("tag");
  // Standard messaging: 24 hours after the person's last message; the human agent tag: 7 days.
  const windowMs = messagingType === "MESSAGE_TAG" && tag === "HUMAN_AGENT" ? 7 * DAY : DAY;
  const customer = account.customers.get(recipientId)!;
  if (customer.lastInboundAt === undefined || Date.now() - customer.lastInboundAt > windowMs)
    return sendGraphError(res, 400, {
      message: "(#10) This message is sent outside of allowed window.",
      code: 10,
      subcode: account.platform === "messenger" ? 2018278 : 2534022,
    });

  const text = typeof message.text === "string" ? message.text : undefined;
  const attachment =
    typeof message.attachment === "object" && message.attachment !== null
      ? (message.attachment as Record<string, unknown>)
      : undefined;
  if ((text === undefined) === (attachment === undefined))
    return sendGraphError(res, 400, {
      message: "(#100) Must send either message text or an attachment, not both",
      code: 100,
    });
  const maxText = account.platform === "messenger" ? 2000 : 1000;
  if (text !== undefined && (!text.length || text.length > maxText))
    return sendGraphError(res, 400, {
      message: `(#100) Length of param message[text] must be less than or equal to ${maxText}`,
      code: 100,
    });
  const media = attachment ? await attachmentBlob(ctx, res, attachment, p) : undefined;
  if (attachment && !media) return;

  const mid = state.newMid(account.platform);
  const now = Date.now();
  const stored: StoredMessage = {
    mid,
    from: state.ownParty(account),
    to: state.customerParty(account, customer),
    text: text ?? "",
    createdAt: now,
    attachments: [],
  };
  if (media) {
    const blobId = state.storeBlob(media.blob.content, media.blob.contentType, media.blob.filename);
    stored.attachments.push({
      id: digits(16),
      type: media.type,
      mimeType: media.blob.contentType,
      name: media.blob.filename,
      size: media.blob.content.length,
      blobId,
    });
  }
  state.record(account, recipientId, stored);
  const list = state.sent.get(account.id) ?? [];
  list.push({
    messageId: mid,
    recipientId,
    ...(messagingType ? { messagingType } : {}),
    ...(tag ? { tag } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(media
      ? {
          attachment: {
            type: media.type,
            filename: media.blob.filename,
            contentType: media.blob.contentType,
            content: Buffer.from(media.blob.content),
          },
        }
      : {}),
    at: new Date(now),
  });
  state.sent.set(account.id, list);
  sendJson(res, 200, { recipient_id: recipientId, message_id: mid });
}

async function uploadAttachment(ctx: GraphContext, res: Res, auth: Authed, pageId: string, p: Params): Promise<void> {
  const page = pageOfToken(ctx, res, auth, pageId);
  if (!page) return;
  const message = jsonParam(p, "message");
  const attachment =
    message && typeof message.attachment === "object" && message.attachment !== null
      ? (message.attachment as Record<string, unknown>)
      : undefined;
  if (!attachment) return sendGraphError(res, 400, { message: "(#100) The parameter message is required", code: 100 });
  const media = await attachmentBlob(ctx, res, attachment, p);
  if (!media) return;
  const blobId = ctx.state.storeBlob(media.blob.content, media.blob.contentType, media.blob.filename);
  const id = digits(16);
  ctx.state.uploads.set(id, { blobId, type: media.type });
  sendJson(res, 200, { attachment_id: id });
}

// ---- Conversations API ----------------------------------------------------------------------

function partyJson(platform: "messenger" | "instagram", party: Party): Record<string, unknown> {
  return platform === "messenger"
    ? { ...(party.name ? { name: party.name } : {}), email: `${party.id}@facebook.com`, id: party.id }
    : { ...(party.username ? { username: party.username } : {}), id: party.id };
}

function messageJson(
  ctx: GraphContext,
  account: Account,
  m: StoredMessage,
  fields: FieldSpec[] | undefined,
): Record<string, unknown> {
  const full: Record<string, unknown> = {
    id: m.mid,
    created_time: graphTime(m.createdAt),
    from: partyJson(account.platform, m.from),
    to: { data: [partyJson(account.platform, m.to)] },
    message: m.text,
  };
  if (m.attachments.length) {
    full.attachments = {
      data: m.attachments.map((a) => {
        const url = ctx.state.cdnUrl(ctx.base, account.platform, a.blobId);
        const base: Record<string, unknown> = { id: a.id, mime_type: a.mimeType, name: a.name, size: a.size };
        if (a.mimeType.startsWith("image/"))
          base.image_data = {
            url,
            preview_url: url,
            width: 640,
            height: 640,
            max_width: 640,
            max_height: 640,
            image_type: 1,
            render_as_sticker: false,
          };
        else if (a.mimeType.startsWith("video/"))
          base.video_data = { url, preview_url: url, width: 640, height: 360, length: 1 };
        else base.file_url = url;
        return base;
      }),
      paging: { cursors: { before: encodeCursor(0), after: encodeCursor(m.attachments.length) } },
    };
  }
  return select(full, fields, ["created_time", "id"]);
}

function sortedConversations(account: MessagingAccount): Conversation[] {
  return [...account.conversations.values()]
    .filter((c) => c.messages.length)
    .sort((a, b) => b.updatedAt - a.updatedAt || b.seq - a.seq);
}

function messagesConnection(
  ctx: GraphContext,
  account: Account,
  conv: Conversation,
  spec: FieldSpec | undefined,
  p: Params,
  url: URL,
  token: string,
) {
  const newestFirst = [...conv.messages].reverse().map((m) => messageJson(ctx, account, m, spec?.sub));
  return paged(newestFirst, p, url, ctx.base, token, spec?.limit ?? 25);
}

function conversations(ctx: GraphContext, res: Res, auth: Authed, pageId: string, p: Params, url: URL): void {
  const page = pageOfToken(ctx, res, auth, pageId);
  if (!page) return;
  const platform = p.values.get("platform") ?? "messenger";
  if (platform !== "messenger" && platform !== "instagram")
    return sendGraphError(res, 400, {
      message: "(#100) Param platform must be one of {MESSENGER, INSTAGRAM}",
      code: 100,
    });
  const base = platform === "instagram" ? page.instagram : page.messenger;
  if (!base) return sendJson(res, 200, { data: [] });
  const account: Account = { ...base, page };
  const fields = parseFields(p.values.get("fields"));
  const msgSpec = fields?.find((f) => f.name === "messages");
  const nodes = sortedConversations(account).map((conv) => {
    const full: Record<string, unknown> = {
      id: conv.id,
      updated_time: graphTime(conv.updatedAt),
      message_count: conv.messages.length,
      unread_count: 0,
      participants: {
        data: [
          partyJson(
            account.platform,
            conv.messages[0]!.from.id === account.id ? conv.messages[0]!.to : conv.messages[0]!.from,
          ),
          partyJson(account.platform, ctx.state.ownParty(account)),
        ],
      },
    };
    if (msgSpec) {
      // The nested connection pages on its own edge: /{conversation-id}/messages.
      const nestedUrl = new URL(`${ctx.base}/v21.0/${conv.id}/messages`);
      const nested = new Map<string, string>([
        ["fields", serialize(msgSpec.sub)],
        ["limit", String(msgSpec.limit ?? 25)],
      ]);
      full.messages = messagesConnection(
        ctx,
        account,
        conv,
        msgSpec,
        { values: nested, files: new Map() },
        nestedUrl,
        auth.token,
      );
    }
    return select(full, fields, ["updated_time", "id"]);
  });
  const out = paged(nodes, p, url, ctx.base, auth.token);
  if (!out) return invalidCursor(res);
  sendJson(res, 200, out);
}

function serialize(specs: FieldSpec[] | undefined): string {
  return (specs ?? [])
    .map((s) => `${s.name}${s.limit !== undefined ? `.limit(${s.limit})` : ""}${s.sub ? `{${serialize(s.sub)}}` : ""}`)
    .join(",");
}

function conversationMessages(
  ctx: GraphContext,
  res: Res,
  auth: Authed,
  conversationId: string,
  p: Params,
  url: URL,
): void {
  const page = pageOfToken(ctx, res, auth);
  if (!page) return;
  for (const base of [page.messenger, page.instagram]) {
    if (!base) continue;
    const conv = [...base.conversations.values()].find((c) => c.id === conversationId);
    if (!conv) continue;
    const fields = parseFields(p.values.get("fields"));
    const out = messagesConnection(
      ctx,
      { ...base, page },
      conv,
      { name: "messages", limit: Number(p.values.get("limit") ?? 25), sub: fields },
      p,
      url,
      auth.token,
    );
    if (!out) return invalidCursor(res);
    return sendJson(res, 200, out);
  }
  sendGraphError(res, 400, {
    message: `Unsupported get request. Object with ID '${conversationId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    code: 100,
    subcode: 33,
    type: "GraphMethodException",
  });
}
