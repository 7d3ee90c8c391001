// Server-side request forgery through URLs that users or payloads choose: a CalDAV server
// named in the connect form, attachment links in Meta/Twilio/X payloads and the redirects they
// lead to. Every such connection goes through the outbound guard (service/security/outbound),
// which checks the address when the socket is opened. Each attack aims at a real listener on
// 127.0.0.1 that counts TCP connections: it must see none.
//
// DNS rebinding is played by a hostile resolver: a name that answers a public address the
// first time it is asked and 127.0.0.1 afterwards (what an attacker's DNS server does with a
// zero TTL). Installed process-wide (node:dns is an external system here, like a provider
// API), it also shows that a resolve-then-fetch check is beaten by it.
import dns from "node:dns";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import { syncBuiltinESMExports } from "node:module";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { caldavProvider } from "../../service/providers/caldav/index.ts";
import type { CalendarCredentialsConnect } from "../../service/providers/kit/calendar.ts";
import type { ProviderEnv } from "../../service/providers/kit/channel.ts";
import { facebookWebhook } from "../../service/providers/meta/webhook.ts";
import { twilioInboundWebhook } from "../../service/providers/twilio/webhook.ts";
import { downloadMedia as downloadTwitterMedia } from "../../service/providers/twitter/media.ts";
import { loadConfig } from "../../service/config/load.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { isPublicAddress } from "../../service/security/outbound/addresses.ts";
import { outboundGuard, type Resolve } from "../../service/security/outbound/guard.ts";
import { signedWebhook } from "../channels/meta-helpers.ts";
import { suiteResources } from "../helpers/suite.ts";

const PUBLIC = "93.184.216.34";

/** A TCP listener on 127.0.0.1 that counts connections (and answers HTTP, should one arrive). */
async function internalService(): Promise<{
  port: number;
  origin: string;
  connections: () => number;
  close(): Promise<void>;
}> {
  let connections = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    res.end("internal secret");
  });
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Answers `first` to the first question about a name, 127.0.0.1 to every later one. */
function rebindingResolver(first = PUBLIC): Resolve & { calls: number } {
  const resolve = Object.assign(async () => [{ address: resolve.calls++ === 0 ? first : "127.0.0.1", family: 4 }], {
    calls: 0,
  });
  return resolve;
}

function env(overrides: Record<string, string> = {}): ProviderEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-outbound-"));
  return {
    config: loadConfig({
      NODE_ENV: "test",
      TATU_DATA_DIR: dir,
      NEXTAUTH_URL: "https://tatu.example.com",
      ...overrides,
    }),
    log: createLogger({ level: "silent" }),
  };
}

let restoreDns = () => {};

/** The system resolver answers `first` for `name` the first time, 127.0.0.1 after. */
function hostileDns(name: string, first = PUBLIC): void {
  const original = { lookup: dns.lookup, promises: dns.promises.lookup };
  let calls = 0;
  const answer = (all: boolean | undefined) => {
    const address = calls++ === 0 ? first : "127.0.0.1";
    return all ? [{ address, family: 4 }] : { address, family: 4 };
  };
  dns.lookup = ((host: string, options: unknown, callback?: unknown) => {
    const cb = (typeof options === "function" ? options : callback) as (...a: unknown[]) => void;
    const opts = (typeof options === "object" && options ? options : {}) as { all?: boolean };
    if (host !== name) return (original.lookup as (...a: unknown[]) => void)(host, options, callback);
    const got = answer(opts.all);
    process.nextTick(() => (Array.isArray(got) ? cb(null, got) : cb(null, got.address, got.family)));
  }) as typeof dns.lookup;
  dns.promises.lookup = (async (host: string, options?: { all?: boolean }) =>
    host === name ? answer(options?.all) : original.promises(host, options as never)) as typeof dns.promises.lookup;
  syncBuiltinESMExports();
  restoreDns = () => {
    dns.lookup = original.lookup;
    dns.promises.lookup = original.promises;
    syncBuiltinESMExports();
    restoreDns = () => {};
  };
}

let internal: Awaited<ReturnType<typeof internalService>>;
suiteResources(async (track) => {
  internal = track(await internalService());
});

describe("the guard checks the address when it connects", () => {
  it("a name that rebinds to 127.0.0.1 after passing a check never reaches 127.0.0.1 (fetch and node agents)", async () => {
    const resolve = rebindingResolver();
    const guard = outboundGuard({ resolve });
    try {
      const url = new URL(`http://rebind.test:${internal.port}/latest/meta-data/`);
      await guard.check(url); // first answer: public — the check passes
      await expect(guard.fetch(url)).rejects.toMatchObject({ code: "OUTBOUND_ADDRESS_REFUSED", reason: "address" });
      const viaAgent = await new Promise<unknown>((resolveReq) => {
        http
          .get(url, { agent: guard.agentFor("http:") }, (res) => {
            res.resume();
            resolveReq(res.statusCode);
          })
          .on("error", resolveReq);
      });
      expect(viaAgent).toMatchObject({ code: "OUTBOUND_ADDRESS_REFUSED" });
      expect(resolve.calls).toBe(3);
      expect(internal.connections()).toBe(0);
    } finally {
      await guard.close();
    }
  });

  it("literal private, loopback, link-local, metadata, ULA, CGNAT and IPv4-mapped addresses are refused without a connection", async () => {
    const guard = outboundGuard({
      resolve: async () => {
        throw new Error("literal addresses are not looked up");
      },
    });
    try {
      for (const host of [
        "127.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
        "169.254.169.254",
        "[fd00:ec2::254]",
        "10.0.0.7",
        "100.64.0.1",
        "192.168.1.1",
        "0.0.0.0",
      ]) {
        await expect(guard.fetch(`http://${host}:${internal.port}/`), host).rejects.toMatchObject({
          code: "OUTBOUND_ADDRESS_REFUSED",
        });
        const viaAgent = await new Promise<unknown>((done) => {
          https
            .get(`https://${host}:${internal.port}/`, { agent: guard.agentFor("https:") }, (res) =>
              done(res.statusCode),
            )
            .on("error", done);
        });
        expect(viaAgent, host).toMatchObject({ code: "OUTBOUND_ADDRESS_REFUSED" });
      }
      expect(internal.connections()).toBe(0);
    } finally {
      await guard.close();
    }
    for (const a of ["17.253.144.10", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
      expect(isPublicAddress(a), a).toBe(true);
  });

  it("a configured origin is trusted by origin only: another port on the same loopback is still refused", async () => {
    const other = await internalService();
    const guard = outboundGuard({
      trustedOrigins: [other.origin],
      resolve: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    try {
      expect(await (await guard.fetch(`${other.origin}/ok`)).text()).toBe("internal secret");
      await expect(guard.fetch(`${internal.origin}/`)).rejects.toMatchObject({ code: "OUTBOUND_ADDRESS_REFUSED" });
      await expect(guard.fetch(`http://localhost:${other.port}/`)).rejects.toMatchObject({
        code: "OUTBOUND_ADDRESS_REFUSED",
      });
      expect(internal.connections()).toBe(0);
      expect(other.connections()).toBe(1);
    } finally {
      await guard.close();
      await other.close();
    }
  });
});

describe("CalDAV: a server name that rebinds after the check", () => {
  afterEach(() => restoreDns());

  it("the connect form's server passes the check (public) but its connections go nowhere near 127.0.0.1", async () => {
    // A TLS client's connection to a plain listener still counts: any socket is the breach.
    const tcp = net.createServer((s) => s.destroy());
    let connections = 0;
    tcp.on("connection", () => connections++);
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    const port = (tcp.address() as AddressInfo).port;
    try {
      hostileDns("calendar.rebind.test");
      const connect = caldavProvider.connect as CalendarCredentialsConnect;
      const form = connect.schema.parse({
        appleId: "someone@tatu.test",
        appPassword: "abcd-efgh-ijkl-mnop",
        serverUrl: `https://calendar.rebind.test:${port}/`,
      });
      const err = await connect.connect(env(), form).catch((e: unknown) => e);
      expect(connections).toBe(0);
      expect(err).toMatchObject({ errorClass: "permanent", code: "CALDAV_SERVER_NOT_ALLOWED" });
    } finally {
      await new Promise((r) => tcp.close(r));
    }
  });
});

describe("media links from webhook payloads", () => {
  let meta: MetaStandIn;
  suiteResources(async (track) => {
    meta = track(await startMetaStandIn());
  });

  it("Meta: an attachment URL pointing at 127.0.0.1 or the metadata service is refused and never contacted; the stand-in's CDN still downloads", async () => {
    const metaEnv = env(meta.env());
    const secret = meta.env().FACEBOOK_APP_SECRET!;
    const user = meta.addUser({ name: "Rosa" });
    const page = meta.addPage(user.id, { name: "Rosa Ink" });
    const genuine = meta.customerMessage(page.id, {
      psid: newPsid(),
      attachments: [{ filename: "arm.jpg", contentType: "image/jpeg", content: Buffer.from("jpeg bytes") }],
    });
    const cdnUrl = facebookWebhook.parse(metaEnv, signedWebhook(genuine, secret))[0]!.remoteAttachments![0]!.url;
    // The configured stand-in (META_GRAPH_BASE_URL) is where the legitimate CDN link points.
    expect((await facebookWebhook.download!(metaEnv, { url: cdnUrl })).content.toString()).toBe("jpeg bytes");

    for (const hostile of [
      `${internal.origin}/admin`,
      `http://localhost:${internal.port}/`,
      "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    ]) {
      const payload = JSON.parse(JSON.stringify(genuine).replaceAll(JSON.stringify(cdnUrl).slice(1, -1), hostile));
      const req = signedWebhook(payload, secret);
      expect(facebookWebhook.verify(metaEnv, req)).toMatchObject({ ok: true });
      const [item] = facebookWebhook.parse(metaEnv, req);
      expect(item!.remoteAttachments![0]!.url).toBe(hostile);
      const err = await facebookWebhook.download!(metaEnv, item!.remoteAttachments![0]!).catch((e: unknown) => e);
      expect(internal.connections(), hostile).toBe(0);
      expect(err, hostile).toMatchObject({ errorClass: "permanent", code: "META_ATTACHMENT_REFUSED" });
    }
  });

  it("Twilio: a media redirect to 127.0.0.1 or the metadata service is refused and never contacted", async () => {
    // Stands in for the Twilio API: the media resource redirects wherever the test says.
    let location = "";
    const seen: string[] = [];
    const api = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ? "with" : "without"} credentials`);
      req.resume();
      res.writeHead(302, { location }).end();
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const twilioEnv = env({
      TWILIO_ACCOUNT_SID: `AC${"1".repeat(32)}`,
      TWILIO_AUTH_TOKEN: "token",
      TWILIO_API_BASE_URL: base,
    });
    const media = `https://api.twilio.com/2010-04-01/Accounts/AC${"1".repeat(32)}/Messages/MM${"2".repeat(32)}/Media/ME${"3".repeat(32)}`;
    try {
      for (const target of [`${internal.origin}/steal`, "http://169.254.169.254/latest/meta-data/"]) {
        location = target;
        const err = await twilioInboundWebhook.download!(twilioEnv, { url: media }).catch((e: unknown) => e);
        expect(internal.connections(), target).toBe(0);
        expect(err, target).toMatchObject({ errorClass: "permanent", code: "TWILIO_MEDIA_REFUSED" });
      }
      // Each time only the API origin was asked (with the account's credentials), nothing behind the redirect.
      const asked = `/2010-04-01/Accounts/AC${"1".repeat(32)}/Messages/MM${"2".repeat(32)}/Media/ME${"3".repeat(32)} with credentials`;
      expect(seen).toEqual([asked, asked]);
    } finally {
      await new Promise((r) => api.close(r));
    }
  });

  it("X: a DM photo on X's media host is fetched over a guarded socket: a host that resolves inside is refused", async () => {
    const xEnv = env({ TWITTER_API_KEY: "key", TWITTER_API_SECRET: "secret" });
    const creds = { accessToken: "1-token", accessSecret: "token-secret", userId: "1", screenName: "studio" };
    hostileDns("ton.x.com", "127.0.0.1");
    try {
      expect(
        await downloadTwitterMedia(xEnv, creds, "https://ton.x.com/1.1/ton/data/dm/1/2/photo.jpg", 1_000_000),
      ).toEqual({ ok: false, reason: "refused" });
    } finally {
      restoreDns();
    }
  });
});
