// Ground truth of the Meta stand-in: Facebook users, their Pages (each possibly linked to an
// Instagram professional account), the people who message them, conversations, tokens, and
// what the app sent. Ids and token shapes follow Meta's (numeric ids, EAA… tokens, m_/aWdf mids).
import { createHash, createHmac, randomBytes, randomInt } from "node:crypto";

export type Platform = "messenger" | "instagram";

export interface User {
  id: string;
  name: string;
}

export interface Customer {
  id: string;
  name?: string;
  username?: string;
  lastInboundAt?: number;
}

export interface StoredAttachment {
  id: string;
  type: string;
  mimeType: string;
  name: string;
  size: number;
  blobId: string;
}

export interface Party {
  id: string;
  name?: string;
  username?: string;
}

export interface StoredMessage {
  mid: string;
  from: Party;
  to: Party;
  text: string;
  createdAt: number;
  attachments: StoredAttachment[];
}

export interface Conversation {
  id: string;
  customerId: string;
  messages: StoredMessage[];
  updatedAt: number;
  seq: number;
}

/** A messaging identity: a Page (Messenger) or an Instagram professional account. */
export interface MessagingAccount {
  platform: Platform;
  id: string;
  pageId: string;
  customers: Map<string, Customer>;
  conversations: Map<string, Conversation>;
}

export interface Page {
  id: string;
  name: string;
  ownerUserId: string;
  accessToken: string;
  messenger: MessagingAccount;
  instagram?: MessagingAccount & { username: string };
}

export interface SentRecord {
  messageId: string;
  recipientId: string;
  messagingType?: string;
  tag?: string;
  text?: string;
  attachment?: { type: string; filename: string; contentType: string; content: Buffer };
  at: Date;
}

export interface Subscription {
  pageId: string;
  fields: string[];
  at: Date;
}

export interface TokenGrant {
  kind: "user" | "page";
  userId: string;
  pageId?: string;
  longLived: boolean;
  expired: boolean;
  scopes: string[];
}

export interface CodeGrant {
  userId: string;
  redirectUri: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

export interface Blob {
  content: Buffer;
  contentType: string;
  filename: string;
}

export const digits = (n: number) =>
  String(randomInt(1, 10)) + Array.from({ length: n - 1 }, () => randomInt(0, 10)).join("");
export const opaque = (bytes: number) => randomBytes(bytes).toString("base64url");
export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Graph's time format: "2024-03-05T10:00:00+0000" (second resolution). */
export function graphTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+0000");
}

export class MetaState {
  readonly users = new Map<string, User>();
  readonly pages = new Map<string, Page>();
  readonly tokens = new Map<string, TokenGrant>();
  readonly codes = new Map<string, CodeGrant>();
  readonly blobs = new Map<string, Blob>();
  readonly uploads = new Map<string, { blobId: string; type: string }>();
  readonly sent = new Map<string, SentRecord[]>();
  readonly subscriptions: Subscription[] = [];
  readonly cdnKey = randomBytes(16);
  consentAs: string | undefined;
  declineScopes: string[] = [];
  denyNext = false;
  private seq = 0;

  constructor(
    readonly appId: string,
    readonly appSecret: string,
  ) {}

  nextSeq(): number {
    return ++this.seq;
  }

  newToken(grant: TokenGrant): string {
    // Meta tokens start with EAA + app-specific letters; the rest is opaque.
    const token = `EAA${grant.kind === "page" ? "G" : "B"}${opaque(60)}`;
    this.tokens.set(token, grant);
    return token;
  }

  addUser(name?: string): User {
    const user = { id: digits(17), name: name ?? `Test User ${this.users.size + 1}` };
    this.users.set(user.id, user);
    return user;
  }

  addPage(userId: string, input: { name: string; instagram?: { username: string } }): Page {
    const user = this.users.get(userId);
    if (!user) throw new Error(`meta stand-in: no user ${userId}`);
    const id = digits(15);
    const account = (platform: Platform, accountId: string): MessagingAccount => ({
      platform,
      id: accountId,
      pageId: id,
      customers: new Map(),
      conversations: new Map(),
    });
    const page: Page = {
      id,
      name: input.name,
      ownerUserId: userId,
      accessToken: "",
      messenger: account("messenger", id),
      ...(input.instagram
        ? { instagram: { ...account("instagram", `1784${digits(13)}`), username: input.instagram.username } }
        : {}),
    };
    // Page tokens from the stand-in never expire (as with a long-lived user token), until expired by a test.
    page.accessToken = this.newToken({ kind: "page", userId, pageId: id, longLived: true, expired: false, scopes: [] });
    this.pages.set(id, page);
    return page;
  }

  /** A Page id or an Instagram account id → its messaging account. */
  account(id: string): MessagingAccount & { page: Page } {
    const page = this.pages.get(id);
    if (page) return { ...page.messenger, page };
    for (const p of this.pages.values()) if (p.instagram?.id === id) return { ...p.instagram, page: p };
    throw new Error(`meta stand-in: no Page or Instagram account ${id}`);
  }

  ownParty(account: MessagingAccount & { page: Page }): Party {
    return account.platform === "messenger"
      ? { id: account.id, name: account.page.name }
      : { id: account.id, username: account.page.instagram!.username };
  }

  customerParty(account: MessagingAccount, c: Customer): Party {
    return account.platform === "messenger"
      ? { id: c.id, ...(c.name ? { name: c.name } : {}) }
      : { id: c.id, ...((c.username ?? c.name) ? { username: c.username ?? c.name } : {}) };
  }

  conversationOf(account: MessagingAccount, customerId: string): Conversation {
    let conv = account.conversations.get(customerId);
    if (!conv) {
      const id =
        account.platform === "messenger"
          ? `t_${digits(16)}`
          : Buffer.from(`ig_conversation:${digits(20)}`).toString("base64url");
      conv = { id, customerId, messages: [], updatedAt: 0, seq: 0 };
      account.conversations.set(customerId, conv);
    }
    return conv;
  }

  newMid(platform: Platform): string {
    return platform === "messenger"
      ? `m_${opaque(66)}`
      : Buffer.from(`ig_message_item:1:IGMessageThread:${digits(17)}:${digits(38)}`).toString("base64url");
  }

  record(account: MessagingAccount, customerId: string, msg: StoredMessage): void {
    const conv = this.conversationOf(account, customerId);
    conv.messages.push(msg);
    conv.messages.sort((a, b) => a.createdAt - b.createdAt);
    conv.updatedAt = Math.max(conv.updatedAt, msg.createdAt);
    conv.seq = this.nextSeq();
  }

  storeBlob(content: Buffer, contentType: string, filename: string): string {
    const id = digits(16);
    this.blobs.set(id, { content: Buffer.from(content), contentType, filename });
    return id;
  }

  cdnSignature(blobId: string, expires: string): string {
    return createHmac("sha256", this.cdnKey).update(`${blobId}:${expires}`).digest("hex").slice(0, 32);
  }

  /** Signed CDN link, like scontent.xx.fbcdn.net (Messenger) or lookaside.fbsbx.com (Instagram). */
  cdnUrl(base: string, platform: Platform, blobId: string): string {
    const blob = this.blobs.get(blobId)!;
    const expires = Math.floor(Date.now() / 1000 + 3 * 86_400).toString(16);
    const sig = this.cdnSignature(blobId, expires);
    return platform === "messenger"
      ? `${base}/cdn/v/t1.15752-9/${blobId}/${encodeURIComponent(blob.filename)}?_nc_cat=1&oh=${sig}&oe=${expires}`
      : `${base}/cdn/ig_messaging_cdn/?asset_id=${blobId}&signature=${sig}&oe=${expires}`;
  }
}
