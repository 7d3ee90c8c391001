// "Other IMAP" through the API: a user may name any mail server, so one on a private address
// (here the local Dovecot on 127.0.0.1) is refused with 400 IMAP_SERVER_NOT_ALLOWED — never
// reached — unless the operator set IMAP_ALLOW_PRIVATE_SERVERS=true; then it connects, syncs
// and is listed with its server. No YAHOO_* env: the servers come from the form alone.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";

let peer: MailPeer;
let strict: TestApp, lan: TestApp;
const mailbox = { email: "studio.other@lan.test", password: "lan-pass-2" };

beforeAll(async () => {
  peer = await startMailPeer();
  await peer.addUser(mailbox.email, mailbox.password);
  [strict, lan] = await Promise.all([startTestApp(), startTestApp({ env: { IMAP_ALLOW_PRIVATE_SERVERS: "true" } })]);
});
afterAll(async () => {
  await Promise.all([strict?.close(), lan?.close()]);
  await peer?.close();
});

const form = () => ({
  preset: "other", email: mailbox.email, appPassword: mailbox.password,
  imapHost: peer.imap.host, imapPort: String(peer.imap.port), smtpHost: peer.smtp.host, smtpPort: String(peer.smtp.port),
});

it("refuses a server on a private address with 400 IMAP_SERVER_NOT_ALLOWED when the opt-in is off", async () => {
  const artist = await signedInUser(strict, { role: "artist" });
  for (const body of [form(), { ...form(), imapHost: "169.254.169.254" }, { ...form(), smtpHost: "localhost" }]) {
    const res = await artist.client.post("/api/integrations/yahoo/connect", body);
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(res.body.error).toMatchObject({ code: "IMAP_SERVER_NOT_ALLOWED", message: expect.stringMatching(/not on the public internet/) });
  }
  const missing = await artist.client.post("/api/integrations/yahoo/connect", { preset: "other", email: mailbox.email, appPassword: "x", imapHost: "", imapPort: "" });
  expect(missing.status).toBe(400);
  expect(missing.body.error.fields).toMatchObject({ imapHost: expect.any(String), imapPort: expect.any(String), smtpHost: expect.any(String) });
  expect((await artist.client.get("/api/integrations")).body.items).toEqual([]);
});

it("connects, syncs and lists the account with its server when IMAP_ALLOW_PRIVATE_SERVERS=true", async () => {
  const artist = await signedInUser(lan, { role: "artist" });
  const res = await artist.client.post("/api/integrations/yahoo/connect", form());
  expect(res.status).toBe(201);
  expect(res.body.account).toMatchObject({ provider: "yahoo", address: mailbox.email, aliasLabel: `${mailbox.email} (${peer.imap.host})`, status: "active" });

  // The first sync runs on its own after the connect (409 while it holds the account).
  await peer.deliver(mailbox.email, { from: "Jo <jo@lan.test>", to: mailbox.email, subject: "Hello from the LAN", text: "Hi!" });
  let sync = await artist.client.post(`/api/integrations/${res.body.account.id}/sync`);
  for (let i = 0; i < 100 && sync.status === 409; i++) {
    await new Promise((r) => setTimeout(r, 200));
    sync = await artist.client.post(`/api/integrations/${res.body.account.id}/sync`);
  }
  expect(sync.status).toBe(200);
  expect(sync.body).toMatchObject({ status: "ok" });
  const conversations = await artist.client.get("/api/inbox/conversations");
  expect(JSON.stringify(conversations.body)).toContain("Hello from the LAN");
});
