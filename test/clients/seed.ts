// What the client record tests build on: an artist's connected mailbox and SMS number with
// messages arriving through the inbox's real ingest path (contacts, identities, threads as a
// sync stores them), and a customer's booking request with a reference image.
import { randomBytes } from "node:crypto";
import { ingestMessages } from "../../service/inbox/ingest.ts";
import type { ChannelId } from "../../service/providers/kit/channel.ts";
import { sealJson } from "../../service/security/secret-box.ts";
import type { TestApp } from "../helpers/app.ts";
import type { HttpClient } from "../helpers/http.ts";

export const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

export interface Channel {
  accountId: string;
  userId: string;
  channel: ChannelId;
  identityKind: "email" | "sms" | "instagram";
}

const KIND = { gmail: "email", twilio: "sms", instagram: "instagram" } as const;

/** A connected account of `userId` on `provider` (gmail: email identities; twilio: SMS; instagram: IG user ids). */
export async function connectedChannel(
  app: TestApp,
  userId: string,
  provider: "gmail" | "twilio" | "instagram",
): Promise<Channel> {
  const address =
    provider === "gmail"
      ? `studio-${randomBytes(3).toString("hex")}@studio.test`
      : provider === "twilio"
        ? "+14155550100"
        : "studio.ink";
  const account = await app.ctx.db.connectedAccount.create({
    data: {
      userId,
      provider,
      externalId: `${provider}-${randomBytes(4).toString("hex")}`,
      address,
      credentials: sealJson(app.ctx.config.tokenEncryptionKey, {}),
      scopes: [],
    },
  });
  return {
    accountId: account.id,
    userId,
    channel: provider,
    identityKind: KIND[provider],
  };
}

/** One inbound message from `from` (an email address or a phone number), stored the way a sync
 *  stores it; returns the conversation it landed in. */
export async function receive(
  app: TestApp,
  ch: Channel,
  from: { handle: string; name?: string },
  text: string,
  subject?: string,
): Promise<string> {
  const r = await ingestMessages(
    app.ctx,
    { id: ch.accountId, userId: ch.userId, channel: ch.channel, identityKind: ch.identityKind },
    [
      {
        externalId: `m-${randomBytes(6).toString("hex")}`,
        threadKey: `t-${randomBytes(6).toString("hex")}`,
        direction: "inbound",
        from,
        to: [
          { handle: ch.channel === "gmail" ? "studio@studio.test" : ch.channel === "twilio" ? "+14155550100" : "1784" },
        ],
        cc: [],
        ...(subject ? { subject } : {}),
        text,
        sentAt: new Date(),
        seen: false,
        attachments: [],
      },
    ],
    { maxAttachmentBytes: 10 * 1024 * 1024 },
  );
  const stored = r.inserted[0];
  if (!stored) throw new Error("the message was not stored");
  return stored.conversationId;
}

/** The customer's booking request to `artistId` with one PNG reference; returns its id and the reference's. */
export async function requestWithReference(
  customer: HttpClient,
  artistId: string,
  details: { idea: string; placement: string; size: string; budget?: string },
): Promise<{ requestId: string; referenceId: string }> {
  const form = new FormData();
  for (const [k, v] of Object.entries({ artistId, ...details })) if (v !== undefined) form.set(k, v);
  form.append("files", new Blob([PNG], { type: "image/png" }), "reference.png");
  const res = await customer.form("/api/bookings/requests", form);
  if (res.status !== 201) throw new Error(`booking request: ${res.status} ${res.text.slice(0, 300)}`);
  return { requestId: res.body.id, referenceId: res.body.references[0].id };
}
