// Reading the signup verification mail from a real test mailbox over IMAP (read-only: the
// mailbox is never changed), for deployments without the dev outbox.
import { ImapFlow } from "imapflow";
import { simpleParser } from "mailparser";

const LINK = /https?:\/\/[^\s"'<>]+\/verify-email\?token=[^\s"'<>]+/;

export async function verificationLinkFromImap(
  imapUrl: string,
  to: string,
  since: Date,
  timeoutMs = 30_000,
): Promise<{ url?: string; problem?: string }> {
  const u = new URL(imapUrl);
  const client = new ImapFlow({
    host: u.hostname,
    port: Number(u.port || (u.protocol === "imaps:" ? 993 : 143)),
    secure: u.protocol === "imaps:",
    auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) },
    logger: false,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (err) {
    return { problem: `the test mailbox (${u.hostname}) refused the connection or login: ${(err as Error).message}` };
  }
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const lock = await client.getMailboxLock("INBOX", { readOnly: true });
      try {
        const uids = (await client.search({ to, since: new Date(since.getTime() - 86_400_000) }, { uid: true })) || [];
        for (const uid of [...uids].reverse()) {
          const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (!msg || !msg.source) continue;
          const mail = await simpleParser(msg.source);
          const url = LINK.exec(`${mail.text ?? ""}\n${typeof mail.html === "string" ? mail.html : ""}`)?.[0];
          if (url && (mail.date ?? new Date()) >= new Date(since.getTime() - 60_000))
            return { url: url.replace(/&amp;/g, "&") };
        }
      } finally {
        lock.release();
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    return {
      problem: `no verification email for ${to} arrived in the test mailbox within ${Math.round(timeoutMs / 1000)} s`,
    };
  } finally {
    await client.logout().catch(() => undefined);
  }
}
