// The Yahoo (generic IMAP/SMTP, app password) provider against a real Dovecot: connect,
// sync (once per message, cursor resume, UIDVALIDITY reset, \Seen untouched), send (reply
// threading, attachments, Sent copy), error classes from real server answers.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { ImapFlow } from "imapflow";
import { simpleParser, type ParsedMail } from "mailparser";
import nodemailer from "nodemailer";
import type { SendMailOptions } from "nodemailer/lib/mailer";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../service/config/load.ts";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import type {
  CredentialsConnect,
  InboundMessage,
  ProviderAccount,
  ProviderEnv,
  SyncCursor,
  SyncOptions,
  SyncPage,
} from "../../service/providers/kit/channel.ts";
import { imapProvider } from "../../service/providers/imap/index.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { deadPort } from "../helpers/net.ts";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const dayAgo = () => new Date(Date.now() - 86_400_000);
const connect = imapProvider.connect as CredentialsConnect;

let peer: MailPeer;
let dataDir: string;
let env: ProviderEnv;

function envWith(overrides: Record<string, string>): ProviderEnv {
  return {
    config: loadConfig({ NODE_ENV: "test", TATU_DATA_DIR: dataDir, ...overrides }),
    log: createLogger({ level: "silent" }),
  };
}

let userSeq = 0;
/** A fresh mailbox per test: tests stay independent and users are added while Dovecot runs. */
async function newUser(name: string): Promise<{ email: string; password: string; account: ProviderAccount }> {
  const email = `${name}${++userSeq}@tatu.test`;
  const password = randomBytes(8).toString("hex");
  await peer.addUser(email, password);
  const account: ProviderAccount = {
    id: `acc-${email}`,
    userId: "user-1",
    externalId: email,
    address: email,
    credentials: { email, appPassword: password },
    saveCredentials: async () => {},
  };
  return { email, password, account };
}

async function imapAs(email: string, password: string): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: peer.imap.host,
    port: peer.imap.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: email, pass: password },
    logger: false,
  });
  await c.connect();
  return c;
}

async function collect(
  account: ProviderAccount,
  cursor: SyncCursor | null,
  opts: SyncOptions = { since: dayAgo() },
): Promise<{ pages: SyncPage[]; messages: InboundMessage[]; cursor: SyncCursor | null }> {
  const pages: SyncPage[] = [];
  for await (const page of imapProvider.sync(env, account, cursor, opts)) pages.push(page);
  return { pages, messages: pages.flatMap((p) => p.messages), cursor: pages.at(-1)?.cursor ?? cursor };
}

/** Mail sent by a real client through Dovecot's submission service (relayed into INBOX by LMTP). */
async function submit(from: { email: string; password: string }, mail: SendMailOptions): Promise<string> {
  const t = nodemailer.createTransport({
    host: peer.smtp.host,
    port: peer.smtp.port,
    secure: false,
    ignoreTLS: true,
    auth: { user: from.email, pass: from.password },
  });
  try {
    const info = await t.sendMail({ from: from.email, ...mail });
    return info.messageId;
  } finally {
    t.close();
  }
}

async function waitForMessages(email: string, password: string, folder: string, count: number): Promise<void> {
  const c = await imapAs(email, password);
  try {
    for (let i = 0; i < 200; i++) {
      const s = await c.status(folder, { messages: true });
      if (s && (s.messages ?? 0) >= count) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${folder} of ${email} never reached ${count} messages`);
  } finally {
    await c.logout();
  }
}

async function readFolder(
  email: string,
  password: string,
  folder: string,
): Promise<{ uid: number; flags: Set<string>; mail: ParsedMail }[]> {
  const c = await imapAs(email, password);
  try {
    const lock = await c.getMailboxLock(folder, { readOnly: true });
    try {
      const out = [];
      for (const m of await c.fetchAll("1:*", { uid: true, flags: true, source: true }))
        out.push({ uid: m.uid, flags: m.flags ?? new Set<string>(), mail: await simpleParser(m.source!) });
      return out;
    } finally {
      lock.release();
    }
  } finally {
    await c.logout();
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-yahoo-"));
  peer = await startMailPeer();
  env = envWith(peer.env());
});
afterAll(async () => {
  await peer?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("connect", () => {
  it("accepts the email and an app password as Yahoo shows it (groups of four, any case)", async () => {
    const email = `artist${++userSeq}@tatu.test`;
    await peer.addUser(email, "abcdefghijklmnop");
    const input = connect.schema.parse({ email: `  ${email.toUpperCase()} `, appPassword: "abcd efgh ijkl mnop" });
    const account = await connect.connect(env, input);
    expect(account).toEqual({
      externalId: email,
      address: email,
      credentials: { email, appPassword: "abcdefghijklmnop" },
      scopes: [],
    });
  });

  it("a wrong app password is an auth error that tells the user to create an app password", async () => {
    const { email } = await newUser("artist");
    const err = await connect
      .connect(env, connect.schema.parse({ email, appPassword: "wrong-password-1" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ errorClass: "auth", code: "IMAP_AUTH_FAILED" });
    expect((err as Error).message).toMatch(/app password/i);
    expect((err as Error).message).not.toContain("wrong-password-1");
  });

  it("an unreachable server is transient (IMAP_UNREACHABLE), not a bad password", async () => {
    const { email, password } = await newUser("artist");
    const down = envWith({ ...peer.env(), YAHOO_IMAP_PORT: String(await deadPort()) });
    await expect(connect.connect(down, { email, appPassword: password })).rejects.toMatchObject({
      errorClass: "transient",
      code: "IMAP_UNREACHABLE",
    });
  });

  it("smoke logs in and reads INBOX status", async () => {
    const { account } = await newUser("artist");
    const result = await imapProvider.smoke(env, account);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual(["imap login", "imap status INBOX"]);
  });
});

describe("sync", () => {
  it("returns each received message once, leaves \\Seen alone, and a second sync only brings new mail", async () => {
    const artist = await newUser("artist");
    const customer = await newUser("customer");
    const sketch = randomBytes(20_000);
    await peer.deliver(artist.email, {
      from: "Customer <c1@example.com>",
      subject: "Sleeve idea",
      text: "Koi fish, left arm",
      attachments: [{ filename: "sketch.jpg", contentType: "image/jpeg", content: sketch }],
    });
    const submittedId = await submit(customer, {
      to: artist.email,
      subject: "Booking?",
      text: "Free next week?",
      html: "<p>Free next week?</p>",
    });
    await waitForMessages(artist.email, artist.password, "INBOX", 2);

    // The artist already read the LMTP one in webmail; the submitted one stays unread.
    const admin = await imapAs(artist.email, artist.password);
    await admin.mailboxOpen("INBOX");
    await admin.messageFlagsAdd("1", ["\\Seen"], { uid: true });
    await admin.logout();

    const first = await collect(artist.account, null);
    expect(first.messages).toHaveLength(2);
    expect(new Set(first.messages.map((m) => m.externalId)).size).toBe(2);
    const sleeve = first.messages.find((m) => m.subject === "Sleeve idea")!;
    const booking = first.messages.find((m) => m.subject === "Booking?")!;
    expect(sleeve).toMatchObject({
      direction: "inbound",
      seen: true,
      from: { name: "Customer", handle: "c1@example.com" },
      to: [{ handle: artist.email }],
      text: "Koi fish, left arm",
    });
    expect(sleeve.threadKey).toBeUndefined();
    expect(sleeve.attachments.map((a) => [a.filename, a.contentType, sha(a.content)])).toEqual([
      ["sketch.jpg", "image/jpeg", sha(sketch)],
    ]);
    expect(booking).toMatchObject({
      externalId: submittedId,
      rfc822MessageId: submittedId,
      seen: false,
      from: { handle: customer.email },
      html: "<p>Free next week?</p>",
    });

    // Syncing did not mark anything read on the server.
    const inbox = await readFolder(artist.email, artist.password, "INBOX");
    expect(inbox.map((m) => [m.mail.subject, m.flags.has("\\Seen")])).toEqual([
      ["Sleeve idea", true],
      ["Booking?", false],
    ]);

    const again = await collect(artist.account, first.cursor);
    expect(again.messages).toEqual([]);

    await peer.deliver(artist.email, {
      from: "c2@example.com",
      subject: "Aftercare question",
      text: "Is redness normal?",
    });
    const third = await collect(artist.account, again.cursor);
    expect(third.messages.map((m) => m.subject)).toEqual(["Aftercare question"]);
  });

  it("pages of at most 50, newest first, and resuming from any page's cursor loses nothing", async () => {
    const artist = await newUser("artist");
    for (let i = 1; i <= 120; i++)
      await peer.deliver(artist.email, { from: "fan@example.com", subject: `msg ${i}`, text: `n=${i}` });

    const full = await collect(artist.account, null, { since: dayAgo(), maxMessages: 1000 });
    expect(full.pages.filter((p) => p.messages.length > 0).map((p) => p.messages.length)).toEqual([50, 50, 20]);
    expect(full.messages[0]!.subject).toBe("msg 120");
    expect(new Set(full.messages.map((m) => m.subject)).size).toBe(120);

    // A crash right after the first page was committed: resume from that page's cursor.
    const resumed = await collect(artist.account, full.pages[0]!.cursor, { since: dayAgo(), maxMessages: 1000 });
    const seen = new Set([...full.pages[0]!.messages, ...resumed.messages].map((m) => m.subject));
    expect(seen.size).toBe(120);
    expect(resumed.messages).toHaveLength(70); // no page fetched twice

    // New mail after the back-fill comes oldest first, so each page's cursor is a safe resume point too.
    for (let i = 121; i <= 180; i++)
      await peer.deliver(artist.email, { from: "fan@example.com", subject: `msg ${i}`, text: `n=${i}` });
    const news = await collect(artist.account, full.cursor);
    expect(news.pages.filter((p) => p.messages.length > 0).map((p) => p.messages.map((m) => m.subject))).toEqual([
      Array.from({ length: 50 }, (_, i) => `msg ${121 + i}`),
      Array.from({ length: 10 }, (_, i) => `msg ${171 + i}`),
    ]);
    const newsResumed = await collect(artist.account, news.pages[0]!.cursor);
    expect(newsResumed.messages.map((m) => m.subject)).toEqual(Array.from({ length: 10 }, (_, i) => `msg ${171 + i}`));

    // A back-fill is bounded by maxMessages, keeping the newest.
    const bounded = await collect(artist.account, null, { since: dayAgo(), maxMessages: 30 });
    expect(bounded.messages.map((m) => m.subject)).toEqual(Array.from({ length: 30 }, (_, i) => `msg ${180 - i}`));
  });

  it("after a UIDVALIDITY change it walks the window again and loses no mail", async () => {
    const artist = await newUser("artist");
    const admin = await imapAs(artist.email, artist.password);
    const raw = (subject: string) =>
      Buffer.from(
        `From: ${artist.email}\r\nTo: c@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\s/g, "-")}@tatu.test>\r\nDate: ${new Date().toUTCString()}\r\n\r\nbody of ${subject}\r\n`,
      );
    for (const s of ["old 1", "old 2", "old 3"]) await admin.append("Sent", raw(s), ["\\Seen"]);

    const first = await collect(artist.account, null);
    expect(first.messages.map((m) => [m.externalId, m.direction])).toEqual([
      ["<old-3@tatu.test>", "outbound"],
      ["<old-2@tatu.test>", "outbound"],
      ["<old-1@tatu.test>", "outbound"],
    ]);
    const before = (first.cursor as { sent: { uidValidity: number; uidNext: number } }).sent;

    // The server rebuilt the folder: new UIDVALIDITY, and the new mail got UIDs *below* the
    // stored uidNext (a UID-only sync would skip them).
    await admin.mailboxDelete("Sent");
    await admin.mailboxCreate("Sent");
    for (const s of ["new 1", "new 2", "old 1", "new 3"]) await admin.append("Sent", raw(s), ["\\Seen"]);
    await admin.logout();

    const after = await collect(artist.account, first.cursor);
    const sent = (after.cursor as { sent: { uidValidity: number; uidNext: number } }).sent;
    expect(sent.uidValidity).not.toBe(before.uidValidity);
    expect(after.messages.map((m) => m.externalId).sort()).toEqual([
      "<new-1@tatu.test>",
      "<new-2@tatu.test>",
      "<new-3@tatu.test>",
      "<old-1@tatu.test>",
    ]);
    expect(sent.uidNext).toBe(5);

    const quiet = await collect(artist.account, after.cursor);
    expect(quiet.messages).toEqual([]);
  });
});

describe("send", () => {
  it("a reply reaches the customer threaded with the attachment intact, and its Sent copy syncs under the same id", async () => {
    const artist = await newUser("artist");
    const customer = await newUser("customer");
    const customerMsgId = await submit(customer, {
      to: artist.email,
      subject: "Re: Rose on the wrist",
      text: "Can we do it in colour?",
      references: ["<first@example.com>"],
      inReplyTo: "<first@example.com>",
    });
    await waitForMessages(artist.email, artist.password, "INBOX", 1);
    const inbound = await collect(artist.account, null);
    const question = inbound.messages[0]!;
    expect(question.rfc822MessageId).toBe(customerMsgId);

    const design = randomBytes(64_000);
    const sent = await imapProvider.send(env, artist.account, {
      threadKey: question.externalId,
      subject: "Rose on the wrist",
      to: [{ name: "The Customer", handle: customer.email }],
      cc: [],
      text: "Yes, here is the colour version.",
      replyTo: {
        externalId: question.externalId,
        rfc822MessageId: question.rfc822MessageId,
        references: question.references,
      },
      attachments: [{ filename: "rose.png", contentType: "image/png", content: design }],
    });
    expect(sent.status).toBe("sent");
    expect(sent.externalId).toBe(sent.rfc822MessageId);
    expect(sent.externalId).toMatch(/^<[^@>]+@tatu\.test>$/);
    expect(sent.inReplyTo).toBe(customerMsgId);
    expect(sent.references).toEqual(["<first@example.com>", customerMsgId]);

    await waitForMessages(customer.email, customer.password, "INBOX", 1);
    const [received] = await readFolder(customer.email, customer.password, "INBOX");
    expect(received!.mail.messageId).toBe(sent.externalId);
    expect(received!.mail.subject).toBe("Re: Rose on the wrist");
    expect(received!.mail.from?.value[0]?.address).toBe(artist.email);
    expect(received!.mail.inReplyTo).toBe(customerMsgId);
    expect(received!.mail.references).toEqual(["<first@example.com>", customerMsgId]);
    expect(received!.mail.attachments.map((a) => [a.filename, sha(a.content)])).toEqual([["rose.png", sha(design)]]);

    const sentFolder = await readFolder(artist.email, artist.password, "Sent");
    expect(sentFolder.map((m) => [m.mail.messageId, m.flags.has("\\Seen")])).toEqual([[sent.externalId, true]]);

    const later = await collect(artist.account, inbound.cursor);
    expect(later.messages).toHaveLength(1);
    expect(later.messages[0]).toMatchObject({
      externalId: sent.externalId,
      direction: "outbound",
      subject: "Re: Rose on the wrist",
      inReplyTo: customerMsgId,
      seen: true,
    });
    expect(later.messages[0]!.attachments.map((a) => sha(a.content))).toEqual([sha(design)]);
  });

  it("a revoked app password stops sync and send with auth errors", async () => {
    const artist = await newUser("artist");
    const revoked = { ...artist.account, credentials: { email: artist.email, appPassword: "revoked-app-pass" } };
    await expect(collect(revoked, null)).rejects.toMatchObject({ errorClass: "auth", code: "IMAP_AUTH_FAILED" });
    await expect(
      imapProvider.send(env, revoked, {
        threadKey: "t",
        subject: "Hi",
        to: [{ handle: "someone@tatu.test" }],
        cc: [],
        text: "x",
        attachments: [],
      }),
    ).rejects.toMatchObject({ errorClass: "auth", code: "SMTP_AUTH_FAILED" });
  });
});

describe("throttling answers", () => {
  it('Yahoo\'s IMAP "NO [UNAVAILABLE]" at login is rate_limit, not a wrong password', async () => {
    // A server that answers LOGIN the way Yahoo does when it throttles an account.
    const server = net.createServer((s) => {
      s.write("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] IMAP ready\r\n");
      let buf = "";
      s.on("data", (d) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf("\r\n")) >= 0) {
          const [tag, cmd] = buf.slice(0, i).split(" ");
          buf = buf.slice(i + 2);
          if (/^(LOGIN|AUTHENTICATE)$/i.test(cmd ?? ""))
            s.write(
              `${tag} NO [UNAVAILABLE] LOGIN failure. Server error--please try again after some time. Error code: 00\r\n`,
            );
          else if (/^CAPABILITY$/i.test(cmd ?? "")) s.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
          else s.write(`${tag} OK done\r\n`);
        }
      });
      s.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const throttled = envWith({ ...peer.env(), YAHOO_IMAP_PORT: String((server.address() as net.AddressInfo).port) });
      await expect(connect.connect(throttled, { email: "a@tatu.test", appPassword: "x" })).rejects.toMatchObject({
        errorClass: "rate_limit",
        retryAfterMs: 60_000,
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('SMTP "421 [TSS04] temporarily deferred" is rate_limit', async () => {
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onAuth: (_auth, _session, cb) => cb(null, { user: "a" }),
      onMailFrom: (_addr, _session, cb) =>
        cb(
          Object.assign(
            new Error("4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume"),
            { responseCode: 421 },
          ),
        ),
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
    try {
      const artist = await newUser("artist");
      const throttled = envWith({
        ...peer.env(),
        YAHOO_SMTP_PORT: String((smtp.server.address() as net.AddressInfo).port),
      });
      await expect(
        imapProvider.send(throttled, artist.account, {
          threadKey: "t",
          to: [{ handle: "x@tatu.test" }],
          cc: [],
          text: "x",
          attachments: [],
        }),
      ).rejects.toMatchObject({ errorClass: "rate_limit", code: "SMTP_THROTTLED" });
    } finally {
      await new Promise((r) => smtp.close(() => r(undefined)));
    }
  });
});
