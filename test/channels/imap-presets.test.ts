// The IMAP provider's presets (Yahoo, iCloud Mail, Fastmail, Zoho, Other IMAP): what the
// connect form accepts, which servers each preset reaches, and the guard that keeps a user's
// own server ("other") off private addresses — checked before any socket, at the address that
// is then dialled, with the name kept for TLS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../service/config/load.ts";
import type { CredentialsConnect, ProviderAccount, ProviderEnv } from "../../service/providers/kit/channel.ts";
import { imapProvider } from "../../service/providers/imap/index.ts";
import meta from "../../service/providers/imap/meta.ts";
import { presets } from "../../service/providers/imap/presets.ts";
import { dialTarget } from "../../service/providers/imap/server-guard.ts";
import { credentialsOf, credentialsSchema, endpoints, type Endpoint } from "../../service/providers/imap/settings.ts";
import type { Resolve } from "../../service/security/outbound/guard.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { startMailPeer, type MailPeer } from "../../standins/peers/dovecot.ts";

const connect = imapProvider.connect as CredentialsConnect<typeof credentialsSchema>;
const envWith = (overrides: Record<string, string> = {}): ProviderEnv => ({ config: loadConfig({ NODE_ENV: "test", ...overrides }), log: createLogger({ level: "silent" }) });
const issuesOf = (input: unknown) => {
  const r = connect.schema.safeParse(input);
  return r.success ? {} : Object.fromEntries(r.error.issues.map((i) => [i.path.join("."), i.message]));
};
const own = { preset: "other", email: "me@example.org", appPassword: "pw", imapHost: "mail.example.org", imapPort: "993", smtpHost: "mail.example.org", smtpPort: "587" };

describe("connect form", () => {
  it("without a preset is Yahoo, as before presets existed (API calls and stored accounts)", () => {
    expect(connect.schema.parse({ email: "A@Yahoo.com", appPassword: "abcd efgh" })).toEqual({ preset: "yahoo", email: "a@yahoo.com", appPassword: "abcdefgh" });
    const stored = { id: "a", userId: "u", externalId: "a@yahoo.com", address: "a@yahoo.com", credentials: { email: "a@yahoo.com", appPassword: "x" }, saveCredentials: async () => {} } satisfies ProviderAccount;
    expect(endpoints(envWith(), credentialsOf(stored)).imap).toMatchObject({ host: "imap.mail.yahoo.com", port: 993, secure: true, trusted: true });
  });

  it("a fixed preset ignores server fields; Other IMAP requires and checks them, field by field", () => {
    expect(connect.schema.parse({ ...own, preset: "fastmail" })).toEqual({ preset: "fastmail", email: "me@example.org", appPassword: "pw" });
    expect(connect.schema.parse(own)).toEqual({ ...own, imapPort: 993, smtpPort: 587 });
    expect(issuesOf({ preset: "other", email: "me@example.org", appPassword: "pw" })).toEqual({
      imapHost: "Enter the IMAP server name.", imapPort: "Enter the IMAP port.",
      smtpHost: "Enter the SMTP server name.", smtpPort: "Enter the SMTP port.",
    });
    expect(issuesOf({ ...own, imapHost: "https://mail.example.org:993", smtpPort: "70000" })).toEqual({
      imapHost: expect.stringMatching(/no https:\/\/, no port/), smtpPort: "Enter the SMTP port (1–65535).",
    });
    expect(issuesOf({ ...own, preset: "hotmail" })).toEqual({ preset: expect.stringMatching(/Choose the mail service/) });
  });
});

describe("servers per preset", () => {
  const env = envWith();
  const of = (preset: string) => endpoints(env, connect.schema.parse({ ...own, preset }));
  it("presets reach their provider over TLS (iCloud SMTP: STARTTLS on 587, required)", () => {
    const hosts = Object.fromEntries(["yahoo", "icloud", "fastmail", "zoho"].map((p) => [p, of(p)]));
    const brief = (e: Endpoint) => `${e.host}:${e.port}${e.secure ? "/tls" : e.startTls === "required" ? "/starttls" : ""}`;
    expect(Object.fromEntries(Object.entries(hosts).map(([p, e]) => [p, `${brief(e.imap)} ${brief(e.smtp)}`]))).toEqual({
      yahoo: "imap.mail.yahoo.com:993/tls smtp.mail.yahoo.com:465/tls",
      icloud: "imap.mail.me.com:993/tls smtp.mail.me.com:587/starttls",
      fastmail: "imap.fastmail.com:993/tls smtp.fastmail.com:465/tls",
      zoho: "imap.zoho.com:993/tls smtp.zoho.com:465/tls",
    });
    expect(Object.values(hosts).every((e) => e.imap.trusted && e.smtp.trusted)).toBe(true);
  });

  it("YAHOO_IMAP_*/YAHOO_SMTP_* move Yahoo only; Other IMAP is the user's servers, untrusted, TLS or STARTTLS", () => {
    const moved = envWith({ YAHOO_IMAP_HOST: "127.0.0.1", YAHOO_IMAP_PORT: "1143", YAHOO_IMAP_SECURE: "false" });
    expect(endpoints(moved, { email: "a@b.c", appPassword: "x" }).imap).toEqual({ host: "127.0.0.1", port: 1143, secure: false, startTls: "never", trusted: true });
    expect(endpoints(moved, { preset: "zoho", email: "a@b.c", appPassword: "x" }).imap.host).toBe("imap.zoho.com");
    const mine = endpoints(moved, connect.schema.parse(own));
    expect(mine.imap).toEqual({ host: "mail.example.org", port: 993, secure: true, startTls: "required", trusted: false });
    expect(mine.smtp).toEqual({ host: "mail.example.org", port: 587, secure: false, startTls: "required", trusted: false });
  });

  it("the web form offers every preset with its how-to, Yahoo first with today's labels", () => {
    const form = meta.ui.form;
    expect(form.presets.map((p) => p.label)).toEqual(["Yahoo", "iCloud Mail", "Fastmail", "Zoho Mail", "Other IMAP"]);
    expect(form.presets[0]).toMatchObject({ submit: "Connect Yahoo", howTo: { title: "How to get a Yahoo app password" }, fields: form.fields });
    expect(form.fields.map((f) => f.label)).toEqual(["Yahoo email address", "App password"]);
    expect(form.presets.at(-1)!.fields!.map((f) => f.name)).toEqual(["email", "appPassword", "imapHost", "imapPort", "smtpHost", "smtpPort"]);
    for (const p of presets) expect(p.howTo.steps.length).toBeGreaterThan(1);
  });
});

describe("a user's own server (SSRF guard)", () => {
  const mine = (host: string): Endpoint => ({ host, port: 993, secure: true, startTls: "required", trusted: false });
  const answers = (...addresses: string[]): Resolve => async () => addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

  it("refuses loopback, private and link-local (metadata) hosts before any socket", async () => {
    const env = envWith();
    for (const [host, resolve] of [
      ["127.0.0.1", undefined], ["[::1]", undefined], ["10.1.2.3", undefined], ["169.254.169.254", undefined],
      ["metadata.example", answers("169.254.169.254")], ["mixed.example", answers("93.184.216.34", "192.168.1.5")],
      ["rebind.example", answers("fd00::1")],
    ] as const) {
      await expect(dialTarget(env, mine(host), resolve), host).rejects.toMatchObject({ errorClass: "auth", code: "IMAP_SERVER_NOT_ALLOWED", message: expect.stringMatching(/cannot connect to this mail server/) });
    }
    // A name that does not resolve may be a passing DNS failure: retried, not a reconnect.
    await expect(dialTarget(env, mine("nowhere.example"), answers())).rejects.toMatchObject({ errorClass: "transient", code: "IMAP_UNREACHABLE" });
  });

  it("dials the checked public address and keeps the name for TLS (no second lookup to rebind)", async () => {
    const env = envWith();
    expect(await dialTarget(env, mine("mail.example.org"), answers("93.184.216.34"))).toEqual({ host: "93.184.216.34", servername: "mail.example.org" });
    expect(await dialTarget(env, mine("93.184.216.34"))).toEqual({ host: "93.184.216.34" });
  });

  it("trusts preset and operator-set servers, and everything with IMAP_ALLOW_PRIVATE_SERVERS=true", async () => {
    expect(await dialTarget(envWith(), { ...mine("127.0.0.1"), trusted: true })).toEqual({ host: "127.0.0.1" });
    expect(await dialTarget(envWith({ IMAP_ALLOW_PRIVATE_SERVERS: "true" }), mine("127.0.0.1"))).toEqual({ host: "127.0.0.1" });
  });
});

describe("against a real Dovecot", () => {
  let peer: MailPeer;
  beforeAll(async () => {
    peer = await startMailPeer();
    await peer.addUser("lan@tatu.test", "lan-pass-1");
  });
  afterAll(async () => peer?.close());
  const lan = () => ({ preset: "other", email: "lan@tatu.test", appPassword: "lan-pass-1", imapHost: peer.imap.host, imapPort: String(peer.imap.port), smtpHost: peer.smtp.host, smtpPort: String(peer.smtp.port) });

  it("a LAN server connects only with the operator's opt-in; the account says which server it is on", async () => {
    await expect(connect.connect(envWith(), connect.schema.parse(lan()))).rejects.toMatchObject({ code: "IMAP_SERVER_NOT_ALLOWED" });
    const account = await connect.connect(envWith({ IMAP_ALLOW_PRIVATE_SERVERS: "true" }), connect.schema.parse(lan()));
    expect(account).toMatchObject({ address: "lan@tatu.test", aliasLabel: `lan@tatu.test (${peer.imap.host})`, credentials: { preset: "other", imapHost: peer.imap.host, imapPort: peer.imap.port } });
  });

  it("sending from a stored Other IMAP account is guarded too (the SMTP socket is never opened)", async () => {
    const credentials = connect.schema.parse(lan());
    const account: ProviderAccount = { id: "acc-lan", userId: "u", externalId: "lan@tatu.test", address: "lan@tatu.test", credentials: { ...credentials }, saveCredentials: async () => {} };
    const draft = { threadKey: "lan@tatu.test", to: [{ handle: "lan@tatu.test" }], cc: [], text: "hi", attachments: [] };
    await expect(imapProvider.send(envWith(), account, draft)).rejects.toMatchObject({ errorClass: "auth", code: "IMAP_SERVER_NOT_ALLOWED" });
    await expect(imapProvider.send(envWith({ IMAP_ALLOW_PRIVATE_SERVERS: "true" }), account, draft)).resolves.toMatchObject({ status: "sent" });
  });
});
