// `tatu smoke signup` on a deployment without the dev outbox: the app mails through a real
// SMTP server (Dovecot submission) and the CLI reads the verification link from the test
// mailbox over IMAP.
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";
import { tatu } from "./ops-helpers.ts";

// Every test spawns the real CLI; on a loaded 2-core machine one spawn can take seconds.
vi.setConfig({ testTimeout: 90_000 });

let peer: MailPeer, app: TestApp;
const mailboxPassword = "qa-mailbox-pw-7781";

beforeAll(async () => {
  peer = await startMailPeer();
  await peer.addUser("sender@mail.test", "sender-pw-1234");
  app = await startTestApp({
    env: {
      SMTP_URL: `smtp://sender%40mail.test:sender-pw-1234@${peer.smtp.host}:${peer.smtp.port}`,
      EMAIL_FROM: "Tatu <sender@mail.test>",
    },
  });
});
afterAll(async () => {
  await app?.close();
  await peer?.close();
});

it("signs up, reads the verification mail from the test mailbox, verifies and logs in (exit 0)", async () => {
  const address = `qa-${Date.now()}@mail.test`;
  await peer.addUser(address, mailboxPassword);
  const imap = `imap://${encodeURIComponent(address)}:${mailboxPassword}@${peer.imap.host}:${peer.imap.port}`;
  const res = await tatu(
    ["--json", "--url", app.url, "smoke", "signup"],
    { TATU_SMOKE_SIGNUP_EMAIL: address, TATU_SMOKE_IMAP_URL: imap },
    [mailboxPassword],
  );
  expect(res.exitCode, res.stdout).toBe(0);
  expect(res.json.steps[0].details.items.every((i: { ok: boolean }) => i.ok)).toBe(true);
  expect(await app.ctx.db.devEmail.count({ where: { to: address } })).toBe(0); // really mailed, not the outbox
  // The smoke deleted its account again.
  expect(res.json.steps[0].details.items.at(-1)).toMatchObject({ name: "signup.delete-account", ok: true });
  expect(await app.ctx.db.user.count({ where: { email: address } })).toBe(0);
});

it("a wrong mailbox password fails the verify-link item with a clear reason, password not shown", async () => {
  const address = `qa-${Date.now()}-b@mail.test`;
  await peer.addUser(address, mailboxPassword);
  const imap = `imap://${encodeURIComponent(address)}:wrong-pw-0000@${peer.imap.host}:${peer.imap.port}`;
  const res = await tatu(
    ["--json", "--url", app.url, "smoke", "signup"],
    { TATU_SMOKE_SIGNUP_EMAIL: address, TATU_SMOKE_IMAP_URL: imap },
    ["wrong-pw-0000"],
  );
  expect(res.exitCode).toBe(1);
  expect(res.json.steps[0].summary).toMatch(
    /signup\.verify-link — the test mailbox \(127\.0\.0\.1\) refused the connection or login/,
  );
});
