// DELETE /api/auth/me: a person deletes their own account with their password. Wrong or
// missing password → 403 / 400 with a message and nothing deleted; another user cannot delete
// it (the route only ever acts on the caller); on success the user row, sessions, connected
// accounts (their sealed tokens) with conversations, and contacts are gone, every device is
// signed out, and a second user's data is untouched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealJson } from "../../service/security/secret-box.ts";
import { anotherSession, PASSWORD, signedInUser } from "../helpers/accounts.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

/** A connected account with a sealed token, a contact and a conversation, as a sync leaves them. */
async function inboxOf(userId: string) {
  const db = app.ctx.db;
  const account = await db.connectedAccount.create({
    data: {
      userId,
      provider: "yahoo",
      externalId: `${userId}@yahoo.test`,
      address: `${userId}@yahoo.test`,
      credentials: sealJson(app.ctx.config.tokenEncryptionKey, { appPassword: "app-password-123" }),
      scopes: [],
    },
  });
  const contact = await db.contact.create({ data: { userId, name: "A Customer" } });
  await db.conversation.create({
    data: {
      userId,
      accountId: account.id,
      contactId: contact.id,
      channel: "yahoo",
      threadKey: "t1",
      lastMessageAt: new Date(),
    },
  });
  return { accountId: account.id, contactId: contact.id };
}

const counts = async (userId: string) => {
  const db = app.ctx.db;
  const where = { userId };
  return {
    user: await db.user.count({ where: { id: userId } }),
    sessions: await db.session.count({ where }),
    accounts: await db.connectedAccount.count({ where }),
    conversations: await db.conversation.count({ where }),
    contacts: await db.contact.count({ where }),
  };
};

/** A stored file and whether it is still there. */
const stored = async (key: string) => (await app.ctx.storage.get(key)) !== undefined;
const file = async (key: string) => {
  await app.ctx.storage.put(key, Buffer.from(`bytes of ${key}`), "image/png");
  return key;
};

/** An inbox attachment (as a sync leaves it: row + stored bytes) on a conversation of the user. */
async function attachmentOf(userId: string, accountId: string, key: string) {
  const db = app.ctx.db;
  const conv = await db.conversation.findFirstOrThrow({ where: { accountId } });
  const message = await db.message.create({
    data: {
      userId,
      accountId,
      conversationId: conv.id,
      externalId: `m-${key}`,
      direction: "inbound",
      fromHandle: "customer@example.test",
      to: [],
      cc: [],
      text: "see attached",
      sentAt: new Date(),
      status: "received",
    },
  });
  await db.attachment.create({
    data: {
      userId,
      messageId: message.id,
      filename: "ref.png",
      contentType: "image/png",
      size: 10,
      sha256: "0".repeat(64),
      storageKey: await file(key),
    },
  });
}

describe("DELETE /api/auth/me", () => {
  it("needs the caller's password: none → 400, wrong → 403; no route deletes another user; nothing is deleted", async () => {
    const a = await signedInUser(app);
    const b = await signedInUser(app);
    await inboxOf(a.userId);
    const before = await counts(a.userId);

    const none = await a.client.request("DELETE", "/api/auth/me", { json: {} });
    expect(none.status).toBe(400);
    expect(none.body.error.fields.password).toBe("Enter your password to delete your account.");
    const noBody = await a.client.request("DELETE", "/api/auth/me");
    expect(noBody.status).toBe(400);

    const wrong = await a.client.request("DELETE", "/api/auth/me", { json: { password: "not-my-password-1" } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toMatchObject({
      code: "PASSWORD_INCORRECT",
      message: "The password is incorrect: the account was not deleted.",
    });
    // B cannot name A: there is no route with another user's id (B's own DELETE /me is B's, below).
    expect(
      (await b.client.request("DELETE", `/api/auth/users/${a.userId}`, { json: { password: PASSWORD } })).status,
    ).toBe(404);

    expect(await counts(a.userId)).toEqual(before);
    expect(before.user).toBe(1);
    expect((await a.client.get("/api/auth/me")).status).toBe(200);
  });

  it("deletes the user and what only they own, signs out every device, and leaves another user untouched (each deletes only themselves)", async () => {
    const a = await signedInUser(app);
    const b = await signedInUser(app);
    const secondDevice = await anotherSession(app, a.email);
    await inboxOf(a.userId);
    await inboxOf(b.userId);
    const bBefore = await counts(b.userId);

    const res = await a.client.request("DELETE", "/api/auth/me", { json: { password: PASSWORD } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ deleted: true });

    expect(await counts(a.userId)).toEqual({ user: 0, sessions: 0, accounts: 0, conversations: 0, contacts: 0 });
    expect((await a.client.get("/api/auth/me")).status).toBe(401);
    expect((await secondDevice.get("/api/auth/me")).status).toBe(401);
    expect((await app.client().post("/api/auth/login", { email: a.email, password: PASSWORD })).status).toBe(401);

    expect(await counts(b.userId)).toEqual(bBefore);
    expect((await b.client.get("/api/auth/me")).body.user.email).toBe(b.email);
    // A third user deleting themselves leaves B alone too.
    const c = await signedInUser(app);
    expect((await c.client.request("DELETE", "/api/auth/me", { json: { password: PASSWORD } })).status).toBe(200);
    expect(await counts(b.userId)).toEqual(bBefore);
  });

  it("removes the stored files only they own (inbox attachments, portfolio) and keeps a reference image a booking request still shows the artist", async () => {
    const artist = await signedInUser(app, { role: "artist" });
    const customer = await signedInUser(app, { role: "customer" });
    const db = app.ctx.db;
    // The artist: a portfolio image and an inbox attachment.
    await db.artistProfile.create({
      data: { userId: artist.userId, displayName: "Deleting Ink", timeZone: "Europe/Berlin", workingHours: {} },
    });
    const portfolioKey = await file(`portfolio/${artist.userId}/p1`);
    await db.portfolioImage.create({
      data: { artistId: artist.userId, storageKey: portfolioKey, contentType: "image/png", size: 10 },
    });
    const { accountId } = await inboxOf(artist.userId);
    await attachmentOf(artist.userId, accountId, `${artist.userId}/aa/attachment-1`);
    // The customer: an inbox attachment, and a reference image on a request to another artist,
    // which is the same stored file (what they attached in a message and sent with the request).
    const other = await signedInUser(app, { role: "artist" });
    const custInbox = await inboxOf(customer.userId);
    const sharedKey = `${customer.userId}/uploads/ref-1`;
    await attachmentOf(customer.userId, custInbox.accountId, sharedKey);
    const ownKey = `${customer.userId}/bb/attachment-2`;
    await attachmentOf(customer.userId, custInbox.accountId, ownKey);
    await db.bookingRequest.create({
      data: {
        artistId: other.userId,
        customerId: customer.userId,
        idea: "rose",
        placement: "wrist",
        size: "small",
        references: {
          create: {
            filename: "ref.png",
            contentType: "image/png",
            size: 10,
            sha256: "0".repeat(64),
            storageKey: sharedKey,
          },
        },
      },
    });

    for (const u of [artist, customer])
      expect((await u.client.request("DELETE", "/api/auth/me", { json: { password: PASSWORD } })).status).toBe(200);
    expect(await stored(portfolioKey)).toBe(false);
    expect(await stored(`${artist.userId}/aa/attachment-1`)).toBe(false);
    expect(await stored(ownKey)).toBe(false);
    // The request (and its reference image) stays with the other artist, readable.
    expect(await stored(sharedKey)).toBe(true);
    expect(await db.bookingReference.count({ where: { storageKey: sharedKey } })).toBe(1);
  });
});
