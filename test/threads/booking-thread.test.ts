// A booking request opens (or joins) the artist–customer thread in the artist's unified inbox,
// the artist answers from the inbox composer, the customer is emailed (real SMTP, captured) with
// a Reply-To that leads back into the thread, and replies to it — delivered through a real
// Dovecot with plus-addressing — are read by the notify-replies cron into the same thread,
// exactly once. Forged tokens and strangers' mail never get in.
import { ImapFlow } from "imapflow";
import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import type { HttpClient } from "../helpers/http.ts";
import { openSocket, until } from "../helpers/realtime.ts";
import { signedInOverSmtp, startMailbox, type Mailbox } from "../notifications/mailbox.ts";

type User = { client: HttpClient; email: string; userId: string };
const REPLIES = "replies@tatu.test",
  REPLIES_PASS = "replies-pass-1";
const REPLY_TO = /^replies\+[a-z2-7]{44}@tatu\.test$/;

let peer: MailPeer, mailbox: Mailbox, app: TestApp;
let artist: User, customer: User;
let requestId: string, conversationId: string;

beforeAll(async () => {
  peer = await startMailPeer({ recipientDelimiter: "+" });
  await peer.addUser(REPLIES, REPLIES_PASS);
  mailbox = await startMailbox();
  app = await startTestApp({
    databaseUrl: await isolatedDatabaseUrl(),
    env: {
      ...mailbox.env(),
      NOTIFY_REPLY_ADDRESS: REPLIES,
      NOTIFY_REPLY_IMAP_URL: `imap://${encodeURIComponent(REPLIES)}:${REPLIES_PASS}@127.0.0.1:${peer.imap.port}/INBOX`,
    },
  });
  artist = await signedInOverSmtp(app, mailbox, "artist", "Jo Artist");
  customer = await signedInOverSmtp(app, mailbox, "customer", "Casey");
  await app.ctx.db.artistProfile.create({
    data: { userId: artist.userId, displayName: "Jo", timeZone: "Europe/Berlin", visible: true },
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await mailbox?.close();
  await peer?.close();
});

const replyToOf = (m: ParsedMail) => m.replyTo?.value[0]?.address ?? "";
const bearer = () => ({ authorization: `Bearer ${app.ctx.config.cronSecret}` });
const pollReplies = async () => {
  const r = await app.client().post("/api/cron/notify-replies", undefined, bearer());
  expect(r.status).toBe(200);
  // Inline mode: the poll ran inside this call.
  expect(r.body).toMatchObject({ skipped: false, counts: { done: 1, failed: 0 } });
};
const inboxMessages = async () =>
  (await artist.client.get(`/api/inbox/conversations/${conversationId}/messages?limit=100`)).body.items as {
    id: string;
    direction: string;
    text: string;
    status: string;
  }[];
const sendRequest = async (who: User, idea: string) => {
  const res = await who.client.post("/api/bookings/requests", {
    artistId: artist.userId,
    idea,
    placement: "left forearm",
    size: "10 cm",
    budget: "400 EUR",
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
};
/** The reply mailbox over IMAP, as a person would look at it. */
const replyBox = async <T>(use: (c: ImapFlow) => Promise<T>, mailbox = "INBOX"): Promise<T> => {
  const c = new ImapFlow({
    host: peer.imap.host,
    port: peer.imap.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: REPLIES, pass: REPLIES_PASS },
    logger: false,
  });
  await c.connect();
  const lock = await c.getMailboxLock(mailbox);
  try {
    return await use(c);
  } finally {
    lock.release();
    await c.logout();
  }
};
const flagsOf = (messageId: string, mailbox = "INBOX") =>
  replyBox(async (c) => {
    if (!(c.mailbox && c.mailbox.exists)) return null;
    for await (const m of c.fetch("1:*", { envelope: true, flags: true }))
      if (m.envelope?.messageId === messageId) return [...(m.flags ?? [])];
    return null;
  }, mailbox);

describe("booking requests in the artist's inbox", () => {
  it("a request opens a Tatu bookings conversation with the request's words, unread, announced live", async () => {
    const socket = await openSocket(app.url, artist.client);
    try {
      requestId = await sendRequest(customer, "A swallow <b>with</b> roses");
      const event = await socket.waitFor((e) => e.type === "message.created" && e.channel === "tatu");
      conversationId = event.conversationId;
    } finally {
      socket.close();
    }
    const list = await artist.client.get("/api/inbox/conversations");
    const conv = list.body.items.find((c: { id: string }) => c.id === conversationId);
    expect(conv).toMatchObject({ channel: "tatu", unreadCount: 1, contact: { name: "Casey" } });
    const [m] = await inboxMessages();
    expect(m).toMatchObject({ direction: "inbound", status: "received" });
    expect(m!.text).toContain("Idea:\nA swallow <b>with</b> roses");
    expect(m!.text).toMatch(/Placement: left forearm\nSize: 10 cm\nBudget: 400 EUR\nReferences: none/);
    const detail = await artist.client.get(`/api/inbox/conversations/${conversationId}`);
    expect(detail.body.account.label).toBe("Tatu bookings");
  });

  it("the customer's second request joins the same conversation", async () => {
    await sendRequest(customer, "A second idea: a small anchor");
    await until(async () => (await inboxMessages()).length === 2, 5000, "the second request in the thread");
    const tatu = (await artist.client.get("/api/inbox/conversations?channel=tatu")).body.items;
    expect(tatu).toHaveLength(1);
    expect(tatu[0]).toMatchObject({ id: conversationId, unreadCount: 2 });
  });

  it("the built-in channel is no integration: not listed, not disconnectable, not counted as a connected inbox", async () => {
    expect((await artist.client.get("/api/integrations")).body.items).toEqual([]);
    const account = await app.ctx.db.connectedAccount.findFirstOrThrow({ where: { userId: artist.userId } });
    expect(account.provider).toBe("tatu");
    expect((await artist.client.request("DELETE", `/api/integrations/${account.id}`)).status).toBe(404);
    const dry = await app.client().get("/api/cron/sync-messages?dryRun=1", bearer());
    expect(dry.body.wouldEnqueue["sync-account"] ?? 0).toBe(0);
  });

  it("the request mails carry a Reply-To into the thread, for the artist and the customer", async () => {
    const toArtist = await mailbox.waitFor(artist.email, /^New booking request from Casey$/);
    expect(replyToOf(toArtist)).toMatch(REPLY_TO);
    const toCustomer = await mailbox.waitFor(customer.email, /^Your request to Jo was sent$/);
    expect(replyToOf(toCustomer)).toMatch(REPLY_TO);
    // Each party's address is their own: one person's token does not speak for the other.
    expect(replyToOf(toCustomer)).not.toBe(replyToOf(toArtist));
  });
});

describe("the artist answers from the inbox", () => {
  it("the customer gets an email with the text (escaped in HTML) and a Reply-To, and sees it on their request", async () => {
    const sent = await artist.client.post(`/api/inbox/conversations/${conversationId}/reply`, {
      text: "Thanks Casey! Is Tuesday <b>good</b>?",
    });
    expect(sent.status).toBe(202);
    const mail = await mailbox.waitFor(customer.email, /^Jo sent you a message$/);
    expect(mail.text).toContain("Thanks Casey! Is Tuesday <b>good</b>?");
    expect(mail.text).toContain(`/bookings?request=`);
    expect(typeof mail.html === "string" ? mail.html : "").toContain("Is Tuesday &lt;b&gt;good&lt;/b&gt;?");
    expect(replyToOf(mail)).toMatch(REPLY_TO);
    await until(
      async () => (await inboxMessages()).some((m) => m.direction === "outbound" && m.status === "sent"),
      5000,
      "the reply marked sent",
    );

    const thread = await customer.client.get(`/api/bookings/requests/${requestId}/messages`);
    expect(thread.status).toBe(200);
    expect(thread.body.items.at(-1)).toMatchObject({
      from: "artist",
      author: "Jo",
      mine: false,
      text: "Thanks Casey! Is Tuesday <b>good</b>?",
    });
    expect(thread.body.items[0]).toMatchObject({ from: "customer", mine: true });
  });

  it("files are refused on the Tatu channel (the customer could not get them), nothing is stored", async () => {
    const before = (await inboxMessages()).length;
    const form = new FormData();
    form.set("text", "see attached");
    form.append("files", new Blob([Buffer.from("sketch")], { type: "text/plain" }), "sketch.txt");
    const res = await artist.client.form(`/api/inbox/conversations/${conversationId}/reply`, form);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("ATTACHMENTS_NOT_SUPPORTED");
    expect(await inboxMessages()).toHaveLength(before);
  });

  it("the customer writes back on their booking: it lands in the artist's inbox", async () => {
    const bad = await customer.client.post(`/api/bookings/requests/${requestId}/messages`, { text: "   " });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.text).toMatch(/Write a message/);
    const ok = await customer.client.post(`/api/bookings/requests/${requestId}/messages`, { text: "Yes, after 2pm" });
    expect(ok.status).toBe(201);
    const mine = (await inboxMessages()).filter((m) => m.text === "Yes, after 2pm");
    expect(mine).toMatchObject([{ direction: "inbound" }]);
  });

  it("nobody else reads or writes the thread; the artist writes from the inbox", async () => {
    const stranger = await signedInOverSmtp(app, mailbox, "customer", "Dana");
    expect((await stranger.client.get(`/api/bookings/requests/${requestId}/messages`)).status).toBe(404);
    expect((await stranger.client.post(`/api/bookings/requests/${requestId}/messages`, { text: "hi" })).status).toBe(
      404,
    );
    const otherArtist = await signedInOverSmtp(app, mailbox, "artist", "Ari");
    expect((await otherArtist.client.get(`/api/bookings/requests/${requestId}/messages`)).status).toBe(404);
    const own = await artist.client.post(`/api/bookings/requests/${requestId}/messages`, { text: "hi" });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe("REPLY_FROM_INBOX");
    expect((await artist.client.get(`/api/bookings/requests/${requestId}/messages`)).status).toBe(200);
  });
});

describe("replies to notification emails", () => {
  let replyTo: string;

  it("the customer's emailed reply is stored in the thread once, without the quoted mail; the mail is marked seen", async () => {
    const mail = await mailbox.waitFor(customer.email, /^Jo sent you a message$/);
    replyTo = replyToOf(mail);
    const before = (await inboxMessages()).length;
    await peer.deliver(replyTo, {
      from: `Casey <${customer.email}>`,
      to: replyTo,
      subject: "Re: Jo sent you a message",
      messageId: "<casey-reply-1@example.test>",
      inReplyTo: mail.messageId,
      text: "Tuesday at 3 works for me.\n\nOn Mon, 7 Dec 2026 at 10:00, Tatu <hello@tatu.test> wrote:\n> Thanks Casey! Is Tuesday <b>good</b>?\n",
    });
    await pollReplies();
    await pollReplies();
    const after = await inboxMessages();
    expect(after).toHaveLength(before + 1);
    const stored = after.filter((m) => m.text.startsWith("Tuesday at 3"));
    expect(stored).toMatchObject([{ direction: "inbound", text: "Tuesday at 3 works for me." }]);
    expect(await flagsOf("<casey-reply-1@example.test>")).toContain("\\Seen");
    const conv = (await artist.client.get("/api/inbox/conversations?channel=tatu")).body.items[0];
    expect(conv.unreadCount).toBeGreaterThan(0);
  });

  it("with a Processed folder, handled mail is moved there (seen); flagged mail stays in the inbox", async () => {
    await replyBox(async (c) => void (await c.mailboxCreate("Processed")));
    await peer.deliver(replyTo, {
      from: customer.email,
      to: replyTo,
      subject: "Re: Jo sent you a message",
      messageId: "<casey-reply-2@example.test>",
      text: "Also: can I bring a friend?",
    });
    await pollReplies();
    expect(await flagsOf("<casey-reply-2@example.test>")).toBeNull();
    expect(await flagsOf("<casey-reply-2@example.test>", "Processed")).toContain("\\Seen");
    expect((await inboxMessages()).filter((m) => m.text === "Also: can I bring a friend?")).toHaveLength(1);
  });

  it("a reply whose headers do not name the thread address (a Bcc) is found by its delivery address", async () => {
    await peer.deliver(replyTo, {
      from: customer.email,
      to: "someone-else@example.test",
      subject: "Fwd: my sketch",
      messageId: "<casey-bcc-1@example.test>",
      text: "Bcc'd you on this one",
    });
    await pollReplies();
    expect((await inboxMessages()).filter((m) => m.text === "Bcc'd you on this one")).toHaveLength(1);
  });

  it("the same mail delivered again (a redelivery) is not stored twice", async () => {
    const before = (await inboxMessages()).length;
    await peer.deliver(replyTo, {
      from: customer.email,
      to: replyTo,
      subject: "Re: Jo sent you a message",
      messageId: "<casey-reply-1@example.test>",
      text: "Tuesday at 3 works for me.",
    });
    await pollReplies();
    expect(await inboxMessages()).toHaveLength(before);
  });

  it("a forged token and a reply from someone else are flagged and left, never stored", async () => {
    const before = (await inboxMessages()).length;
    const [local, domain] = replyTo.split("@") as [string, string];
    const token = local.slice("replies+".length);
    const flipped = token.slice(0, -1) + (token.endsWith("a") ? "b" : "a");
    await peer.deliver(`replies+${flipped}@${domain}`, {
      from: customer.email,
      to: `replies+${flipped}@${domain}`,
      subject: "Re: forged",
      messageId: "<forged-1@example.test>",
      text: "Let me in",
    });
    await peer.deliver(replyTo, {
      from: "mallory@example.test",
      to: replyTo,
      subject: "Re: Jo sent you a message",
      messageId: "<mallory-1@example.test>",
      text: "I am Casey, honest",
    });
    await pollReplies();
    expect(await inboxMessages()).toHaveLength(before);
    for (const id of ["<forged-1@example.test>", "<mallory-1@example.test>"]) {
      const flags = await flagsOf(id);
      expect(flags).toContain("\\Flagged");
      expect(flags).not.toContain("\\Seen");
    }
    await pollReplies(); // flagged mail is left alone on the next run too
    expect(await inboxMessages()).toHaveLength(before);
  });

  it("the artist's emailed reply to the request mail goes on to the customer like an inbox reply", async () => {
    const request = await mailbox.waitFor(artist.email, /^New booking request from Casey$/);
    const artistReplyTo = replyToOf(request);
    await peer.deliver(artistReplyTo, {
      from: artist.email,
      to: artistReplyTo,
      subject: "Re: New booking request from Casey",
      messageId: "<jo-reply-1@example.test>",
      text: "See you Tuesday at 3!\n\n-- \nJo, Ink & Iron\n",
    });
    await pollReplies();
    await pollReplies();
    const outbound = (await inboxMessages()).filter((m) => m.text === "See you Tuesday at 3!");
    expect(outbound).toMatchObject([{ direction: "outbound", status: "sent" }]);
    await until(
      async () => mailbox.to(customer.email).some((m) => m.text?.includes("See you Tuesday at 3!")),
      10_000,
      "the artist's reply mailed on to the customer",
    );
    expect(mailbox.to(customer.email).filter((m) => m.text?.includes("See you Tuesday at 3!"))).toHaveLength(1);
    const thread = await customer.client.get(`/api/bookings/requests/${requestId}/messages`);
    expect(thread.body.items.at(-1)).toMatchObject({ from: "artist", text: "See you Tuesday at 3!" });
  });
});
