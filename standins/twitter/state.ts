// In-memory ground truth of the X stand-in: users, DM events (with their photos), OAuth 1.0a
// request/access tokens and what was sent through the API.
import { randomBytes } from "node:crypto";

export interface User {
  id: string;
  username: string;
  name: string /** false: refuses DMs (send answers 403). */;
  dmsOpen: boolean;
}

export interface StoredMedia {
  mediaKey: string;
  type: "photo" | "video" | "animated_gif";
  filename: string;
  contentType: string;
  content: Buffer;
  eventId: string;
}

export interface DmEvent {
  id: string;
  conversationId: string;
  senderId: string;
  participantIds: string[];
  text: string;
  createdAt: Date;
  mediaKeys: string[];
}

export interface SentRecord {
  eventId: string;
  conversationId: string;
  senderId: string;
  recipientIds: string[];
  text: string;
  at: Date;
}

export interface RequestToken {
  secret: string;
  callback: string;
  verifier?: string;
  userId?: string;
}

export interface AccessToken {
  secret: string;
  userId: string;
}

/** X's snowflake epoch (2010-11-04): ids encode their creation time, so newer means larger. */
const EPOCH = 1288834974657n;

export const opaque = (bytes: number) => randomBytes(bytes).toString("base64url").replace(/[-_]/g, "x");

export class TwitterState {
  readonly users = new Map<string, User>();
  readonly events: DmEvent[] = [];
  readonly media = new Map<string, StoredMedia>();
  readonly requestTokens = new Map<string, RequestToken>();
  readonly accessTokens = new Map<string, AccessToken>();
  readonly sent = new Map<string, SentRecord[]>();
  /** Who approves at /oauth/authorize: a user id, null (the user presses Cancel) or nobody yet. */
  consentAs: string | null | undefined;
  /** Bumped to make every pagination token handed out so far invalid. */
  paginationGeneration = 0;
  private readonly usedIds = new Set<string>();
  private nextUserId = 1_400_000_000_000_000_000n;

  snowflake(at: Date = new Date()): string {
    const ms = BigInt(at.getTime()) - EPOCH;
    for (let seq = 0n; ; seq++) {
      const id = ((ms << 22n) | (1n << 12n) | seq).toString();
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }

  addUser(input: { id?: string; username: string; name: string; dmsOpen?: boolean }): User {
    const id = input.id ?? (this.nextUserId += 7919n).toString();
    if (!/^\d+$/.test(id)) throw new Error(`X user ids are numeric strings, got ${id}`);
    const user: User = {
      id,
      username: input.username.replace(/^@/, ""),
      name: input.name,
      dmsOpen: input.dmsOpen ?? true,
    };
    this.users.set(id, user);
    return user;
  }

  mustUser(id: string): User {
    const u = this.users.get(id);
    if (!u) throw new Error(`stand-in has no X user ${id}`);
    return u;
  }

  /** One-to-one conversation ids are the two user ids joined by "-", smaller first. */
  conversationId(a: string, b: string): string {
    return BigInt(a) < BigInt(b) ? `${a}-${b}` : `${b}-${a}`;
  }

  addEvent(e: DmEvent): DmEvent {
    this.events.push(e);
    this.events.sort((x, y) => (BigInt(y.id) > BigInt(x.id) ? 1 : BigInt(y.id) < BigInt(x.id) ? -1 : 0));
    return e;
  }

  /** Newest first, only conversations the user takes part in (X keeps 30 days of DMs). */
  eventsOf(userId: string, now = Date.now()): DmEvent[] {
    const oldest = now - 30 * 86_400_000;
    return this.events.filter((e) => e.participantIds.includes(userId) && e.createdAt.getTime() >= oldest);
  }
}
