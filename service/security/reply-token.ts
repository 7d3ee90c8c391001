// Reply-To tokens of notification emails: `<local>+<token>@<domain>` names the conversation a
// reply belongs in and who may write it. The token carries the conversation id and the party
// (artist or customer); its MAC binds both to the sender's user id, so neither a guessed
// conversation id nor a token copied into another person's mail lets anyone write into a
// thread. Lower-case base32 (mail systems may change the case of an address), 44 characters:
// the whole local part stays under SMTP's 64.
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

export type ReplyParty = "artist" | "customer";

const MAC_BYTES = 10;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const PARTY_BYTE: Record<ReplyParty, number> = { artist: 0x61, customer: 0x63 };

/** The signing key, derived from a server secret (NEXTAUTH_SECRET) for this use only. */
export function replyTokenKey(serverSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", serverSecret, "tatu", "notification reply-to token v1", 32));
}

function base32(buf: Buffer): string {
  let bits = 0,
    value = 0,
    out = "";
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(s: string): Buffer | null {
  let bits = 0,
    value = 0;
  const out: number[] = [];
  for (const ch of s) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) return null;
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

const uuidBytes = (id: string) => Buffer.from(id.replace(/-/g, ""), "hex");
const uuidOf = (b: Buffer) => {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const mac = (key: Buffer, conversationId: string, party: ReplyParty, userId: string) =>
  createHmac("sha256", key)
    .update(`${conversationId.toLowerCase()}|${party}|${userId.toLowerCase()}`)
    .digest()
    .subarray(0, MAC_BYTES);

/** The token for `userId` (the `party` of the conversation) writing into `conversationId`. */
export function signReplyToken(key: Buffer, conversationId: string, party: ReplyParty, userId: string): string {
  return base32(
    Buffer.concat([
      uuidBytes(conversationId),
      Buffer.from([PARTY_BYTE[party]]),
      mac(key, conversationId, party, userId),
    ]),
  );
}

/** What a token claims, before it is checked: the conversation and the party. Null when malformed. */
export function readReplyToken(token: string): { conversationId: string; party: ReplyParty } | null {
  if (!/^[a-z2-7]{44}$/i.test(token)) return null;
  const raw = unbase32(token.toLowerCase());
  // Canonical only: the last character's unused bits must be zero (one token per value).
  if (!raw || raw.length !== 16 + 1 + MAC_BYTES || base32(raw) !== token.toLowerCase()) return null;
  const party = raw[16] === PARTY_BYTE.artist ? "artist" : raw[16] === PARTY_BYTE.customer ? "customer" : null;
  if (!party) return null;
  return { conversationId: uuidOf(raw.subarray(0, 16)), party };
}

/** True when `token` was signed for exactly this conversation, party and user. */
export function verifyReplyToken(
  key: Buffer,
  token: string,
  expected: { conversationId: string; party: ReplyParty; userId: string },
): boolean {
  const claimed = readReplyToken(token);
  if (!claimed || claimed.conversationId !== expected.conversationId || claimed.party !== expected.party) return false;
  const given = unbase32(token.toLowerCase())!.subarray(17);
  return timingSafeEqual(given, mac(key, expected.conversationId, expected.party, expected.userId));
}
