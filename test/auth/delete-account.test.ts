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
});
