// The two small pieces the reply poller trusts: the signed Reply-To token and the cut of what a
// mail program quotes under a reply.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readReplyToken, replyTokenKey, signReplyToken, verifyReplyToken } from "../../service/security/reply-token.ts";
import { replyText } from "../../service/threads/reply-text.ts";

describe("reply tokens", () => {
  const key = replyTokenKey("a-server-secret-of-enough-length-for-tests");
  const conversationId = randomUUID(),
    userId = randomUUID();
  const token = signReplyToken(key, conversationId, "customer", userId);

  it("fit an address's local part, in lower case, and verify for exactly their conversation, party and user", () => {
    expect(token).toMatch(/^[a-z2-7]{44}$/);
    expect(`replies+${token}`.length).toBeLessThanOrEqual(64);
    expect(readReplyToken(token)).toEqual({ conversationId, party: "customer" });
    expect(verifyReplyToken(key, token, { conversationId, party: "customer", userId })).toBe(true);
    // A mail server that upper-cases the address changes nothing.
    expect(verifyReplyToken(key, token.toUpperCase(), { conversationId, party: "customer", userId })).toBe(true);
    expect(verifyReplyToken(key, token, { conversationId, party: "customer", userId: randomUUID() })).toBe(false);
    expect(verifyReplyToken(key, token, { conversationId, party: "artist", userId })).toBe(false);
    const otherKey = replyTokenKey("another-server-secret-of-enough-length");
    expect(verifyReplyToken(otherKey, token, { conversationId, party: "customer", userId })).toBe(false);
  });

  it("any changed character, and any other length, is refused", () => {
    for (let i = 0; i < token.length; i++) {
      const c = token[i] === "a" ? "b" : "a";
      const forged = token.slice(0, i) + c + token.slice(i + 1);
      const claimed = readReplyToken(forged);
      expect(claimed === null || !verifyReplyToken(key, forged, { ...claimed, userId })).toBe(true);
    }
    expect(readReplyToken(token.slice(1))).toBeNull();
    expect(readReplyToken(`${token}a`)).toBeNull();
    expect(readReplyToken("not a token")).toBeNull();
  });
});

describe("reply text", () => {
  it("drops Gmail's attribution (also wrapped over two lines) and the quote under it", () => {
    expect(replyText("Tuesday works.\n\nOn Mon, 7 Dec 2026 at 10:00, Jo <jo@x.test> wrote:\n> Is Tuesday ok?\n")).toBe(
      "Tuesday works.",
    );
    expect(replyText("Yes!\r\n\r\nOn Mon, 7 Dec 2026 at 10:00, Tatu\r\n<hello@tatu.test> wrote:\r\n> hi\r\n")).toBe(
      "Yes!",
    );
  });

  it("drops Outlook's original-message block and header block", () => {
    expect(replyText("Fine by me\n\n-----Original Message-----\nFrom: Tatu\nSent: today\n")).toBe("Fine by me");
    expect(
      replyText(
        "Fine by me\n\n________________________________\nFrom: Tatu <hello@tatu.test>\nSent: Monday\nTo: Casey\nSubject: Re: x\n\nold",
      ),
    ).toBe("Fine by me");
    expect(replyText("Fine\n\nFrom: Tatu <hello@tatu.test>\nSent: Monday\nTo: Casey\nSubject: x\nold")).toBe("Fine");
  });

  it("drops signatures and mobile footers, interleaved quote lines, and keeps the person's own lines", () => {
    expect(replyText("See you then\n\n-- \nJo, Ink & Iron\n")).toBe("See you then");
    expect(replyText("See you then\n\nSent from my iPhone")).toBe("See you then");
    expect(replyText("> earlier question\nmy answer\n\n\n\nsecond paragraph")).toBe("my answer\n\nsecond paragraph");
    expect(replyText("Le lun. 7 déc. 2026, Jo a écrit :\n> salut")).toBe("");
    expect(replyText("From: here I start a sentence about the shop")).toBe(
      "From: here I start a sentence about the shop",
    );
  });
});
