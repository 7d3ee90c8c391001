// In-memory ground truth of the Microsoft stand-in: accounts, their mailboxes (folders,
// messages, attachments), issued OAuth artefacts and delta sync states.
import { randomBytes } from "node:crypto";

export type FolderName = "inbox" | "sentitems" | "drafts" | "deleteditems";
export const folderNames: FolderName[] = ["inbox", "sentitems", "drafts", "deleteditems"];

export interface Recipient {
  emailAddress: { name?: string; address: string };
}

export interface StoredAttachment {
  id: string;
  kind: "file" | "item" | "reference";
  name: string;
  contentType: string;
  content: Buffer;
  isInline: boolean;
  contentId?: string;
  lastModifiedDateTime: string;
}

export interface StoredMessage {
  id: string;
  folder: FolderName;
  /** Mailbox change sequence at which the message entered its current folder. */
  seq: number;
  createdDateTime: string;
  lastModifiedDateTime: string;
  receivedDateTime: string;
  sentDateTime: string | null;
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  from?: Recipient;
  toRecipients: Recipient[];
  ccRecipients: Recipient[];
  bccRecipients: Recipient[];
  replyTo: Recipient[];
  conversationId: string;
  internetMessageId: string;
  isRead: boolean;
  isDraft: boolean;
  changeKey: string;
  attachments: StoredAttachment[];
  /** RFC 5322 threading headers the stand-in would put on the wire when sending. */
  inReplyTo?: string;
  references?: string[];
}

export interface User {
  id: string;
  email: string;
  displayName: string;
  /** Personal accounts answer /me with mail: null (the address is the userPrincipalName). */
  personal: boolean;
  messages: Map<string, StoredMessage>;
  /** Messages that left a folder, for `@removed` entries in later delta rounds. */
  removals: { id: string; folder: FolderName; seq: number }[];
  seq: number;
  /** Bumped by expireDeltaTokens: older delta/skip tokens answer 410 syncStateNotFound. */
  deltaGeneration: number;
}

export interface SentRecord {
  id: string;
  internetMessageId: string;
  conversationId: string;
  subject: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  body: { contentType: string; content: string };
  attachments: { name: string; contentType: string; content: Buffer }[];
  inReplyTo?: string;
  references?: string[];
  via: "send" | "sendMail";
  sentAt: Date;
}

export interface DeltaQuery {
  folder: FolderName;
  select?: string[];
  since?: { op: "ge" | "gt"; at: number };
  orderDesc: boolean;
  changeType?: "created" | "updated" | "deleted";
}

export type DeltaItem = { id: string } | { removedId: string };

export type DeltaState =
  | {
      kind: "skip";
      email: string;
      generation: number;
      query: DeltaQuery;
      items: DeltaItem[];
      pos: number;
      highWater: number;
    }
  | { kind: "delta"; email: string; generation: number; query: DeltaQuery; watermark: number };

export interface AuthCode {
  email: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  challenge?: { value: string; method: "S256" | "plain" };
  expiresAt: number;
  redeemed: boolean;
}

export interface Grant {
  email: string;
  clientId: string;
  scopes: string[];
}

export function opaque(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

/**
 * One page of a Graph delta round (mail and calendar alike): the `value` of items
 * round.pos..pos+size, and a fresh token filed with what the next request continues from —
 * the same round further on while it has items left (the nextLink), else the state `done()`
 * builds, which starts the next round (the deltaLink). Sync states are server memory: past
 * 20,000 the oldest is forgotten (and then answers 410), like Graph.
 */
export function deltaPage<S>(
  states: Map<string, S>,
  round: S & { pos: number; items: unknown[] },
  size: number,
  page: { context: string; linkBase: string; value: unknown[]; done: () => S },
): Record<string, unknown> {
  const token = opaque(24);
  if (states.size >= 20_000) states.delete(states.keys().next().value!);
  const more = round.pos + size < round.items.length;
  states.set(token, more ? { ...round, pos: round.pos + size } : page.done());
  const link = more
    ? { "@odata.nextLink": `${page.linkBase}?$skiptoken=${token}` }
    : { "@odata.deltaLink": `${page.linkBase}?$deltatoken=${token}` };
  return { "@odata.context": page.context, ...link, value: page.value };
}

/** Graph item ids are long base64-ish strings ending in "="; they must survive URL encoding. */
export function newItemId(): string {
  return `AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A${opaque(18)}AAA=`;
}

export function newConversationId(): string {
  return `AQQkADAwATM0MDAAMS1${opaque(12)}AQAQ=`;
}

export function newInternetMessageId(): string {
  return `<${opaque(12)}@${["BY5PR", "DM6PR", "PH7PR"][randomBytes(1)[0]! % 3]}${randomBytes(2).readUInt16BE()}.namprd.prod.outlook.com>`;
}

const personalDomains = /@(hotmail|live|outlook)\.[a-z.]+$|@msn\.com$/i;

export class StandInState {
  readonly users = new Map<string, User>();
  readonly codes = new Map<string, AuthCode>();
  readonly accessTokens = new Map<string, Grant & { expiresAt: number }>();
  readonly refreshTokens = new Map<string, Grant>();
  readonly deltaStates = new Map<string, DeltaState>();
  readonly sent = new Map<string, SentRecord[]>();
  consentAs: string | undefined;

  user(email: string): User | undefined {
    return this.users.get(email.toLowerCase());
  }

  mustUser(email: string): User {
    const u = this.user(email);
    if (!u) throw new Error(`stand-in: unknown user ${email} (call addUser first)`);
    return u;
  }

  addUser(email: string, opts: { displayName?: string } = {}): User {
    const key = email.toLowerCase();
    const existing = this.users.get(key);
    if (existing) {
      if (opts.displayName) existing.displayName = opts.displayName;
      return existing;
    }
    const user: User = {
      id: randomBytes(8).toString("hex"),
      email: key,
      displayName: opts.displayName ?? key.split("@")[0]!,
      personal: personalDomains.test(key),
      messages: new Map(),
      removals: [],
      seq: 0,
      deltaGeneration: 0,
    };
    this.users.set(key, user);
    return user;
  }

  /** Puts a message in a folder (or moves it there) as one mailbox change. */
  place(user: User, msg: StoredMessage, folder: FolderName): void {
    const previous = user.messages.get(msg.id);
    if (previous) user.removals.push({ id: msg.id, folder: previous.folder, seq: ++user.seq });
    msg.folder = folder;
    msg.seq = ++user.seq;
    user.messages.set(msg.id, msg);
  }

  remove(user: User, id: string): boolean {
    const msg = user.messages.get(id);
    if (!msg) return false;
    user.messages.delete(id);
    user.removals.push({ id, folder: msg.folder, seq: ++user.seq });
    return true;
  }

  recordSent(email: string, rec: SentRecord): void {
    const list = this.sent.get(email) ?? [];
    list.push(rec);
    this.sent.set(email, list);
  }
}
