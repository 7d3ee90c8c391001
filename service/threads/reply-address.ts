// Where replies to a notification email go: `Reply-To: <local>+<token>@<domain>` from
// NOTIFY_REPLY_ADDRESS, the token naming the artist–customer thread and the party writing
// (security/reply-token.ts). Without NOTIFY_REPLY_ADDRESS mails carry no Reply-To and replies
// go wherever EMAIL_FROM points, as before.
import type { AppContext } from "../context.ts";
import { replyTokenKey, signReplyToken, type ReplyParty } from "../security/reply-token.ts";
import { openThread } from "./thread.ts";

export interface ReplyConfig {
  local: string;
  domain: string;
  key: Buffer;
}

const keys = new WeakMap<object, Buffer>();

/** The reply mailbox's address parts and the token key; null when replies are not set up. */
export function replyConfig(ctx: AppContext): ReplyConfig | null {
  const address = ctx.config.env.NOTIFY_REPLY_ADDRESS;
  if (!address) return null;
  const at = address.lastIndexOf("@");
  let key = keys.get(ctx.config);
  if (!key) keys.set(ctx.config, (key = replyTokenKey(ctx.config.sessionSecret)));
  return { local: address.slice(0, at), domain: address.slice(at + 1), key };
}

export const replyAddress = (c: ReplyConfig, conversationId: string, party: ReplyParty, userId: string) =>
  `${c.local}+${signReplyToken(c.key, conversationId, party, userId)}@${c.domain}`;

interface Parties {
  artist: { id: string };
  customer: { id: string };
}

/** The Reply-To of one notification mail: every booking mail to the customer, and the
 *  artist's "new booking request". Undefined when there is none (not configured, another
 *  kind, or a party who deleted their account). */
export async function replyToFor(
  ctx: AppContext,
  row: {
    kind: string;
    recipientId: string;
    payload: { request?: Parties; appointment?: Parties; message?: Parties & { conversationId: string } };
  },
): Promise<string | undefined> {
  const c = replyConfig(ctx);
  if (!c) return undefined;
  const facts = row.payload.message ?? row.payload.request ?? row.payload.appointment;
  if (!facts) return undefined;
  const party: ReplyParty | null =
    row.recipientId === facts.customer.id
      ? "customer"
      : row.recipientId === facts.artist.id && row.kind === "request_received"
        ? "artist"
        : null;
  if (!party) return undefined;
  try {
    const conversationId =
      row.payload.message?.conversationId ??
      (await ctx.db.$transaction((tx) => openThread(ctx, tx, facts.artist.id, facts.customer.id))).conversationId;
    return replyAddress(c, conversationId, party, row.recipientId);
  } catch (err) {
    // A party deleted their account since the event: the mail still goes, without a Reply-To.
    ctx.log.warn({ kind: row.kind, err: (err as Error).message }, "no reply address for a notification");
    return undefined;
  }
}
