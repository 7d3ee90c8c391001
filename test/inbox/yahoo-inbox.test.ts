// The unified inbox end to end on the real-protocol path: a Yahoo (IMAP/SMTP) mailbox on a
// real Dovecot, driven only through Tatu's HTTP API and WebSocket, as the web app does.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImapFlow } from "imapflow";
import nodemailer from "nodemailer";
import { simpleParser } from "mailparser";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";
import { isolatedDatabaseUrl, startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { openSocket, until } from "../helpers/realtime.ts";
import type { HttpClient } from "../helpers/http.ts";

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let peer: MailPeer;
let app: TestApp;
let artist: { client: HttpClient; email: string; userId: string };
const artistMail = "ink.artist@yahoo.test",
  artistPass = "abcd efgh ijkl mnop";
const customerMail = "jo.customer@example.test",
  customerPass = "customer-pass-1";

const imapAs = async (user: string, pass: string) => {
  const c = new ImapFlow({
    host: peer.imap.host,
    port: peer.imap.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: pass.replace(/\s+/g, "") },
    logger: false,
  });
  await c.connect();
  return c;
};
const customerSmtp = () =>
  nodemailer.createTransport({
    host: peer.smtp.host,
    port: peer.smtp.port,
    secure: false,
    ignoreTLS: true,
    auth: { user: customerMail, pass: customerPass },
  });

beforeAll(async () => {
  peer = await startMailPeer();
  await peer.addUser(artistMail, artistPass.replace(/\s+/g, ""));
  await peer.addUser(customerMail, customerPass);
  app = await startTestApp({
    databaseUrl: await isolatedDatabaseUrl(),
    env: { ...peer.env(), ATTACHMENT_MAX_MB: "1" },
  });
  artist = await signedInUser(app, { role: "artist" });
});
afterAll(async () => {
  await app?.close();
  await peer?.close();
});

let accountId: string;
let conversationId: string;
let firstMessageId: string;

describe("Yahoo mailbox in the unified inbox", () => {
  it("refuses a wrong app password with IMAP_AUTH_FAILED and stores nothing", async () => {
    const res = await artist.client.post("/api/integrations/yahoo/connect", {
      email: artistMail,
      appPassword: "wrong-password",
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("IMAP_AUTH_FAILED");
    expect(res.body.error.message).toMatch(/app password/i);
    expect((await artist.client.get("/api/integrations")).body.items).toEqual([]);
  });

  it("rejects malformed connect input with field errors", async () => {
    const res = await artist.client.post("/api/integrations/yahoo/connect", { email: "not-an-email" });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toBeDefined();
  });

  it("connects with the app password (spaces as Yahoo shows them) and lists the account as active", async () => {
    const res = await artist.client.post("/api/integrations/yahoo/connect", {
      email: artistMail.toUpperCase(),
      appPassword: artistPass,
    });
    expect(res.status).toBe(201);
    accountId = res.body.account.id;
    expect(res.body.account).toMatchObject({ provider: "yahoo", address: artistMail, status: "active" });
    expect(JSON.stringify(res.body)).not.toContain("abcd");
    const stored = await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: accountId } });
    expect(stored.credentials).not.toContain(artistPass.replace(/\s+/g, "")); // encrypted at rest
  });

  it("syncs a customer's email once, pushes it live, and leaves the mailbox's \\Seen flags alone", async () => {
    const socket = await openSocket(app.url, artist.client);
    await customerSmtp().sendMail({
      from: `Jo Customer <${customerMail}>`,
      to: artistMail,
      subject: "Sleeve idea",
      text: "Hi! Could you do a koi sleeve?",
      attachments: [{ filename: "ref.png", content: PNG, contentType: "image/png" }],
    });

    const first = await artist.client.post(`/api/integrations/${accountId}/sync`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "ok", inserted: 1 });
    const again = await artist.client.post(`/api/integrations/${accountId}/sync`);
    expect(again.body).toMatchObject({ status: "ok", inserted: 0 });

    const event = await socket.waitFor((e) => e.type === "message.created" && e.direction === "inbound");
    socket.close();

    const list = await artist.client.get("/api/inbox/conversations");
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    const conv = list.body.items[0];
    conversationId = conv.id;
    expect(event.conversationId).toBe(conversationId);
    expect(conv).toMatchObject({
      channel: "yahoo",
      accountId,
      subject: "Sleeve idea",
      unreadCount: 1,
      contact: { name: "Jo Customer", handle: customerMail },
    });
    expect(conv.snippet).toContain("koi sleeve");

    const imap = await imapAs(artistMail, artistPass);
    const lock = await imap.getMailboxLock("INBOX");
    try {
      for await (const m of imap.fetch("1:*", { flags: true })) expect([...(m.flags ?? [])]).not.toContain("\\Seen");
    } finally {
      lock.release();
      await imap.logout();
    }
  });

  it("serves the attachment byte-identical to its owner", async () => {
    const msgs = await artist.client.get(`/api/inbox/conversations/${conversationId}/messages`);
    expect(msgs.status).toBe(200);
    expect(msgs.body.items).toHaveLength(1);
    const m = msgs.body.items[0];
    firstMessageId = m.id;
    expect(m).toMatchObject({ direction: "inbound", from: { handle: customerMail }, subject: "Sleeve idea" });
    expect(m.attachments).toEqual([
      expect.objectContaining({ filename: "ref.png", contentType: "image/png", size: PNG.length }),
    ]);
    const file = await artist.client.bytes(m.attachments[0].url);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(sha(file.body)).toBe(sha(PNG));
  });

  it("replies through Yahoo SMTP, threaded, with an attachment, and keeps a copy in Sent", async () => {
    const form = new FormData();
    form.set("text", "Love it — let's book a consult.");
    form.append("files", new Blob([PNG], { type: "image/png" }), "sketch.png");
    const res = await artist.client.form(`/api/inbox/conversations/${conversationId}/reply`, form);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ messageId: expect.any(String), status: "sent" });

    const original = await app.ctx.db.message.findUniqueOrThrow({ where: { id: firstMessageId } });
    const imap = await imapAs(customerMail, customerPass);
    let received;
    const lock = await imap.getMailboxLock("INBOX");
    try {
      for await (const m of imap.fetch("1:*", { source: true })) received = await simpleParser(m.source!);
    } finally {
      lock.release();
      await imap.logout();
    }
    expect(received!.subject).toBe("Re: Sleeve idea");
    expect(received!.inReplyTo).toBe(original.rfc822MessageId);
    expect(received!.text).toContain("book a consult");
    expect(received!.attachments.map((a) => sha(a.content))).toEqual([sha(PNG)]);

    const sent = await app.ctx.db.message.findUniqueOrThrow({ where: { id: res.body.messageId } });
    expect(sent).toMatchObject({ direction: "outbound", status: "sent", rfc822MessageId: received!.messageId });
    // The Sent-folder copy synced later is the same message, not a second one.
    await artist.client.post(`/api/integrations/${accountId}/sync`);
    expect(await app.ctx.db.message.count({ where: { conversationId } })).toBe(2);
  });

  it("threads the customer's answer into the same conversation and marks it unread", async () => {
    const reply = await app.ctx.db.message.findFirstOrThrow({ where: { conversationId, direction: "outbound" } });
    await customerSmtp().sendMail({
      from: customerMail,
      to: artistMail,
      subject: "Re: Sleeve idea",
      text: "Friday works!",
      inReplyTo: reply.rfc822MessageId!,
      references: [reply.inReplyTo!, reply.rfc822MessageId!],
    });
    const sync = await artist.client.post(`/api/integrations/${accountId}/sync`);
    expect(sync.body.inserted).toBe(1);
    const list = await artist.client.get("/api/inbox/conversations");
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ id: conversationId, unreadCount: 2 });
    expect(list.body.items[0].snippet).toContain("Friday works");
  });

  it("marks read, archives (hidden from the default list) and filters", async () => {
    expect((await artist.client.post(`/api/inbox/conversations/${conversationId}/read`)).body).toEqual({
      id: conversationId,
      unreadCount: 0,
    });
    expect((await artist.client.get("/api/inbox/conversations?unread=true")).body.items).toEqual([]);
    expect((await artist.client.get("/api/inbox/conversations?q=koi")).body.items).toHaveLength(1);
    expect((await artist.client.get("/api/inbox/conversations?q=nothing-like-this")).body.items).toEqual([]);
    expect((await artist.client.get("/api/inbox/conversations?channel=gmail")).body.items).toEqual([]);
    expect((await artist.client.post(`/api/inbox/conversations/${conversationId}/archive`)).status).toBe(200);
    expect((await artist.client.get("/api/inbox/conversations")).body.items).toEqual([]);
    expect((await artist.client.get("/api/inbox/conversations?archived=true")).body.items).toHaveLength(1);
    // A new message from the customer brings the conversation back.
    await customerSmtp().sendMail({
      from: customerMail,
      to: artistMail,
      subject: "Re: Sleeve idea",
      text: "One more thing",
      references: [(await app.ctx.db.message.findUniqueOrThrow({ where: { id: firstMessageId } })).rfc822MessageId!],
    });
    await artist.client.post(`/api/integrations/${accountId}/sync`);
    expect((await artist.client.get("/api/inbox/conversations")).body.items.map((c: { id: string }) => c.id)).toEqual([
      conversationId,
    ]);
  });

  it("answers bad input with clear 4xx errors", async () => {
    expect((await artist.client.post(`/api/inbox/conversations/${conversationId}/reply`, { text: "   " })).status).toBe(
      400,
    );
    expect((await artist.client.get("/api/inbox/conversations?cursor=garbage")).body.error.code).toBe("INVALID_CURSOR");
    expect((await artist.client.get("/api/inbox/conversations?limit=1000")).status).toBe(400);
    expect((await artist.client.get("/api/inbox/conversations/not-a-uuid/messages")).status).toBe(404);
    const big = new FormData();
    big.set("text", "too big");
    big.append("files", new Blob([Buffer.alloc(1024 * 1024 + 1)], { type: "image/png" }), "huge.png");
    const tooBig = await artist.client.form(`/api/inbox/conversations/${conversationId}/reply`, big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe("ATTACHMENT_TOO_LARGE");
    const exe = new FormData();
    exe.set("text", "exe");
    exe.append("files", new Blob([Buffer.from("MZ")], { type: "application/x-msdownload" }), "tool.exe");
    const wrongType = await artist.client.form(`/api/inbox/conversations/${conversationId}/reply`, exe);
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe("UNSUPPORTED_ATTACHMENT_TYPE");
    const plain = await artist.client.request("POST", `/api/inbox/conversations/${conversationId}/reply`, {
      body: "text=hi",
      headers: { "content-type": "text/plain" },
    });
    expect(plain.status).toBe(415);
    const suggest = await artist.client.post(`/api/inbox/conversations/${conversationId}/suggest-reply`);
    expect([suggest.status, suggest.body.error.code]).toEqual([503, "SUGGESTIONS_UNAVAILABLE"]);
    // Nothing of the rejected replies was stored.
    expect(await app.ctx.db.message.count({ where: { conversationId, direction: "outbound" } })).toBe(1);
  });

  it("paginates conversations newest first with a keyset cursor", async () => {
    for (let i = 0; i < 3; i++)
      await peer.deliver(artistMail, {
        from: `fan${i}@example.test`,
        to: artistMail,
        subject: `Question ${i}`,
        text: `hello ${i}`,
        date: new Date(Date.now() + (i + 1) * 60_000),
      });
    await artist.client.post(`/api/integrations/${accountId}/sync`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string; subject: string }[]; nextCursor: string | null } } =
        await artist.client.get(`/api/inbox/conversations?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.items.map((c) => c.subject));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["Question 2", "Question 1", "Question 0", "Sleeve idea"]);
  });

  it("reports connection health and back-fills on request", async () => {
    const one = await artist.client.get(`/api/integrations/${accountId}`);
    expect(one.body.account).toMatchObject({ status: "active", lastError: null, needsReconnect: false });
    expect(one.body.account.lastSuccessAt).toEqual(expect.any(String));
    expect(one.body.recentSyncs[0]).toMatchObject({ status: "ok" });
    const bad = await artist.client.post(`/api/integrations/${accountId}/resync`, { since: "2999-01-01" });
    expect(bad.status).toBe(400);
    const before = await app.ctx.db.message.count({ where: { accountId } });
    const resync = await artist.client.post(`/api/integrations/${accountId}/resync`, {
      since: new Date(Date.now() - 86_400_000).toISOString(),
    });
    expect(resync.status).toBe(202);
    expect(await app.ctx.db.message.count({ where: { accountId } })).toBe(before); // idempotent re-walk
  });

  it("a stranger's mail quoting the customer's Message-ID starts its own conversation instead of joining the customer's", async () => {
    // Message-IDs leak (quoted mail, forwarded headers, guessable generators): knowing one must
    // not let anyone write into someone else's thread with the artist.
    const target = await app.ctx.db.message.findUniqueOrThrow({ where: { id: firstMessageId } });
    const before = await app.ctx.db.message.count({ where: { conversationId } });
    await peer.deliver(artistMail, {
      from: "Jo's Studio <mallory@evil.test>",
      to: artistMail,
      subject: "Re: Sleeve idea",
      text: "New bank details for the deposit: pay here instead.",
      inReplyTo: target.rfc822MessageId!,
      references: [target.rfc822MessageId!],
    });
    const sync = await artist.client.post(`/api/integrations/${accountId}/sync`);
    expect(sync.body.inserted).toBe(1);
    expect(await app.ctx.db.message.count({ where: { conversationId } })).toBe(before);
    const injected = await app.ctx.db.message.findFirstOrThrow({
      where: { accountId, fromHandle: "mallory@evil.test" },
      include: { conversation: true },
    });
    expect(injected.conversationId).not.toBe(conversationId);
    expect(injected.conversation).toMatchObject({ contactHandle: "mallory@evil.test" });
    const customerThread = (await artist.client.get(`/api/inbox/conversations/${conversationId}/messages`)).body.items;
    expect(customerThread.map((m: { from: { handle: string } }) => m.from.handle)).not.toContain("mallory@evil.test");
    // The customer's own answer to the same message still joins their conversation.
    await peer.deliver(artistMail, {
      from: customerMail,
      to: artistMail,
      subject: "Re: Sleeve idea",
      text: "Still on for Friday",
      inReplyTo: target.rfc822MessageId!,
      references: [target.rfc822MessageId!],
    });
    await artist.client.post(`/api/integrations/${accountId}/sync`);
    expect(await app.ctx.db.message.count({ where: { conversationId } })).toBe(before + 1);
  });

  it("a wrong password later (revoked app password) turns into reauth_required with plain words", async () => {
    await peer.addUser(artistMail, "rotated-password");
    await until(
      async () => {
        try {
          await (await imapAs(artistMail, "rotated-password")).logout();
          return true;
        } catch {
          return false;
        }
      },
      5000,
      "the new password",
    );
    const res = await artist.client.post(`/api/integrations/${accountId}/sync`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("ACCOUNT_NEEDS_RECONNECT");
    const health = (await artist.client.get(`/api/integrations/${accountId}`)).body.account;
    expect(health).toMatchObject({ status: "reauth_required", needsReconnect: true });
    expect(health.lastError).toMatch(/reconnect/i);
    const reply = await artist.client.post(`/api/inbox/conversations/${conversationId}/reply`, { text: "hello?" });
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe("ACCOUNT_NEEDS_RECONNECT");
    // Reconnecting with the new password revives the same account and its history.
    await peer.addUser(artistMail, artistPass.replace(/\s+/g, ""));
    await until(
      async () => {
        try {
          await (await imapAs(artistMail, artistPass)).logout();
          return true;
        } catch {
          return false;
        }
      },
      5000,
      "the restored password",
    );
    const again = await artist.client.post("/api/integrations/yahoo/connect", {
      email: artistMail,
      appPassword: artistPass,
    });
    expect(again.status).toBe(201);
    expect(again.body.account).toMatchObject({ id: accountId, status: "active" });
  });

  it("disconnect keeps the history readable and stops syncing", async () => {
    const res = await artist.client.delete(`/api/integrations/${accountId}`);
    expect(res.status).toBe(200);
    expect(res.body.account.status).toBe("disabled");
    expect((await artist.client.post(`/api/integrations/${accountId}/sync`)).body.error.code).toBe("ACCOUNT_DISABLED");
    expect((await artist.client.get(`/api/inbox/conversations/${conversationId}/messages`)).status).toBe(200);
  });
});

describe("isolation: another user sees none of it", () => {
  it("answers 404 on every inbox, attachment and integration route for someone else's ids", async () => {
    const other = await signedInUser(app, { email: uniqueEmail("intruder") });
    const att = await app.ctx.db.attachment.findFirstOrThrow({ where: { userId: artist.userId } });
    const c = other.client;
    const checks: [string, Promise<{ status: number }>][] = [
      ["GET conversation", c.get(`/api/inbox/conversations/${conversationId}`)],
      ["GET messages", c.get(`/api/inbox/conversations/${conversationId}/messages`)],
      ["POST read", c.post(`/api/inbox/conversations/${conversationId}/read`)],
      ["POST archive", c.post(`/api/inbox/conversations/${conversationId}/archive`)],
      ["POST reply", c.post(`/api/inbox/conversations/${conversationId}/reply`, { text: "hi" })],
      ["POST suggest", c.post(`/api/inbox/conversations/${conversationId}/suggest-reply`)],
      ["GET attachment", c.get(`/api/attachments/${att.id}`)],
      ["GET integration", c.get(`/api/integrations/${accountId}`)],
      ["POST sync", c.post(`/api/integrations/${accountId}/sync`)],
      ["POST resync", c.post(`/api/integrations/${accountId}/resync`, { since: "2026-11-01" })],
      ["DELETE integration", c.delete(`/api/integrations/${accountId}`)],
    ];
    for (const [name, p] of checks) expect([name, (await p).status]).toEqual([name, 404]);
    expect((await c.get("/api/inbox/conversations")).body.items).toEqual([]);
    expect((await c.get("/api/integrations")).body.items).toEqual([]);
    // And signed out: 401.
    expect((await app.client().get("/api/inbox/conversations")).status).toBe(401);
  });
});
