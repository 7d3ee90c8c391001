// The launch runbook's former manual items, automated: `sentry.ingestion` (a test event through
// SENTRY_DSN, confirmed through the Sentry API — the Sentry stand-in) and `dns.ssl` (DNS, TLS
// chain and days to expiry of the public host — local HTTPS servers with certificates made here
// by openssl). Each through the real CLI, as a one-item runbook.
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCa, issueServerCert, type Pem } from "../../cli/rehearse/tls.ts";
import { startSentryStandIn, type SentryStandIn } from "../../standins/sentry/index.ts";
import { onlyRun, removeSandboxes, sandbox, tatu } from "./runbook-helpers.ts";

vi.setConfig({ testTimeout: 60_000 });

let dir: string, sentry: SentryStandIn;
let ca: Pem, otherCa: Pem;
const servers: https.Server[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "tatu-dns-sentry-"));
  fs.writeFileSync(
    path.join(dir, "dns.md"),
    "# DNS\n\n## T-24h\n\n- [ ] `t24.dns-ssl` — DNS and TLS. `step: dns.ssl`\n",
  );
  fs.writeFileSync(
    path.join(dir, "sentry.md"),
    "# Sentry\n\n## T-24h\n\n- [ ] `t24.sentry-ingestion` — Sentry receives a test event. `step: sentry.ingestion`\n",
  );
  ca = createCa(dir, "test-ca", "Tatu Test CA");
  otherCa = createCa(dir, "stranger-ca", "Somebody Else CA");
  sentry = await startSentryStandIn();
});
afterAll(async () => {
  for (const s of servers) s.close();
  await sentry?.close();
  removeSandboxes();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** One runbook item through `tatu runbook run`: its recorded outcome and summary. */
async function runItem(runbook: "dns" | "sentry", env: Record<string, string>) {
  const sb = sandbox();
  const res = await tatu(sb, ["runbook", "run", runbook, "--url", "http://127.0.0.1:9", "--json"], {
    env: { TATU_RUNBOOKS_DIR: dir, ...env },
  });
  const item = Object.values(onlyRun(sb).state.items)[0] as { outcome: string; summary: string };
  return { exitCode: res.exitCode, ...item, stdout: res.stdout };
}

async function httpsServer(pem: Pem): Promise<string> {
  const server = https.createServer({ key: pem.key, cert: pem.cert }, (_req, res) => res.end("ok"));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `https://localhost:${(server.address() as AddressInfo).port}`;
}

describe("dns.ssl", () => {
  it("a certificate valid for 90 more days from a trusted CA passes, naming the expiry", async () => {
    const url = await httpsServer(issueServerCert(dir, "ninety", ca, 90));
    const r = await runItem("dns", { NEXTAUTH_URL: url, TATU_DNS_CA_FILE: ca.certFile });
    expect(r.outcome, r.summary).toBe("passed");
    expect(r.summary).toMatch(
      /^localhost resolves to .*127\.0\.0\.1.*; certificate valid \(issuer Tatu Test CA\), expires \d{4}-\d\d-\d\d \((89|90) days\)/,
    );
  });

  it("a certificate expiring in 10 days fails, naming the expiry date", async () => {
    const url = await httpsServer(issueServerCert(dir, "ten", ca, 10));
    const r = await runItem("dns", { TATU_DNS_URL: url, TATU_DNS_CA_FILE: ca.certFile });
    expect(r.outcome).toBe("failed");
    expect(r.exitCode).toBe(1);
    const expiry = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    expect(r.summary).toMatch(
      new RegExp(
        `the TLS certificate of localhost expires on (${expiry}|\\d{4}-\\d\\d-\\d\\d) \\((9|10) days left; at least 14 needed`,
      ),
    );
  });

  it("an untrusted chain fails (a CA nobody trusts), and so does plain http", async () => {
    const url = await httpsServer(issueServerCert(dir, "stranger", otherCa, 90));
    const r = await runItem("dns", { TATU_DNS_URL: url, TATU_DNS_CA_FILE: ca.certFile });
    expect(r.outcome).toBe("failed");
    expect(r.summary).toMatch(
      /the TLS certificate of localhost does not validate: the chain does not lead to a trusted CA .*\(issuer Somebody Else CA\)/,
    );
    const noCa = await runItem("dns", {
      TATU_DNS_URL: await httpsServer(issueServerCert(dir, "trusted-nowhere", ca, 90)),
    });
    expect(noCa.outcome).toBe("failed"); // the test CA is not a public root
    const http = await runItem("dns", { NEXTAUTH_URL: "http://127.0.0.1:3000" });
    expect(http.summary).toMatch(
      /NEXTAUTH_URL is http:\/\/127\.0\.0\.1:3000: the public app must be served over https/,
    );
    const nxdomain = await runItem("dns", { TATU_DNS_URL: "https://no-such-host.invalid" });
    expect(nxdomain.summary).toMatch(/DNS: no-such-host\.invalid does not resolve \(ENOTFOUND|EAI_AGAIN/);
  });
});

describe("sentry.ingestion", () => {
  it("the test event sent through SENTRY_DSN shows up in the Sentry API", async () => {
    const r = await runItem("sentry", sentry.env());
    expect(r.outcome, r.summary).toBe("passed");
    const id = /test event ([0-9a-f]{32}) arrived in Sentry project (\d+) of tatu/.exec(r.summary);
    expect(id?.[2]).toBe(sentry.projectId);
    expect(sentry.events().map((e) => e.eventId)).toContain(id![1]);
    expect(r.stdout).not.toContain(sentry.authToken);
    expect(r.stdout).not.toContain(new URL(sentry.dsn).username); // the DSN's key is a secret too
  });

  it("a DSN of another project fails: the event never reaches SENTRY_PROJECT_ID", async () => {
    const other = sentry.addProject();
    const r = await runItem("sentry", { ...sentry.env(), SENTRY_DSN: other.dsn, TATU_SENTRY_INGESTION_TIMEOUT: "2" });
    expect(r.outcome).toBe("failed");
    expect(r.summary).toMatch(
      new RegExp(
        `did not arrive in Sentry project ${sentry.projectId} of tatu within 2 s — SENTRY_DSN sends to project ${other.projectId}, not to SENTRY_PROJECT_ID ${sentry.projectId}`,
      ),
    );
  });

  it("an event the DSN accepts but Sentry never shows fails after the timeout; a refused key fails at once", async () => {
    sentry.dropIngestion(true);
    try {
      const r = await runItem("sentry", { ...sentry.env(), TATU_SENTRY_INGESTION_TIMEOUT: "2" });
      expect(r.outcome).toBe("failed");
      expect(r.summary).toMatch(
        /did not arrive in Sentry project \d+ of tatu within 2 s — the DSN accepted it \(200\)/,
      );
    } finally {
      sentry.dropIngestion(false);
    }
    const wrongKey = sentry.dsn.replace(/\/\/[0-9a-f]+@/, `//${"0".repeat(32)}@`);
    const refused = await runItem("sentry", { ...sentry.env(), SENTRY_DSN: wrongKey });
    expect(refused.outcome).toBe("failed");
    expect(refused.summary).toMatch(/refused the test event for project \d+: 401 Invalid api key/);
  });
});
