// dns.ssl (runbook `t24.dns-ssl`): resolves the public host of the app (TATU_DNS_URL, else
// NEXTAUTH_URL, else --url), opens a TLS connection to it and checks that the certificate chain
// validates for that host (the public roots, plus TATU_DNS_CA_FILE when set) and is valid for at
// least TATU_DNS_MIN_CERT_DAYS more days (default 14). Fails naming the reason and the expiry date.
import dns from "node:dns/promises";
import fs from "node:fs";
import net from "node:net";
import tls from "node:tls";
import { envValue, registryNumber } from "../environment.ts";
import { fail, pass } from "./results.ts";
import type { Step, StepContext, StepResult } from "./types.ts";

const DAY_MS = 86_400_000;

/** OpenSSL's verdicts in a release commander's words (the code stays, for searching). */
const VERDICT: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the chain does not lead to a trusted CA (untrusted issuer or missing intermediate)",
  UNABLE_TO_GET_ISSUER_CERT: "the chain does not lead to a trusted CA (missing intermediate)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "the chain does not lead to a trusted CA (untrusted issuer or missing intermediate)",
  SELF_SIGNED_CERT_IN_CHAIN: "the chain ends in a self-signed CA nobody trusts",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the certificate is self-signed",
  CERT_HAS_EXPIRED: "the certificate has expired",
  CERT_NOT_YET_VALID: "the certificate is not valid yet",
};
const verdict = (code: string) => (VERDICT[code] ? `${VERDICT[code]} [${code}]` : code);

interface Peer {
  authorized: boolean;
  authorizationError?: string;
  cert: tls.PeerCertificate;
}

function handshake(host: string, port: number, ca: string[] | undefined): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port,
      ...(net.isIP(host) ? {} : { servername: host }),
      ...(ca ? { ca } : {}),
      rejectUnauthorized: false, // judged below, so the failure can be named
      timeout: 10_000,
    });
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const hostError = cert && Object.keys(cert).length ? tls.checkServerIdentity(host, cert) : undefined;
      resolve({
        authorized: socket.authorized && !hostError,
        authorizationError: socket.authorizationError?.toString() ?? hostError?.message,
        cert,
      });
      socket.end();
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error("no TLS handshake within 10 s"));
    });
    socket.once("error", reject);
  });
}

/** The URL whose host is checked, and where that came from (for the messages). */
function target(ctx: StepContext): { url: string; from: string } {
  const dnsUrl = envValue(ctx.env, "TATU_DNS_URL");
  if (dnsUrl) return { url: dnsUrl, from: "TATU_DNS_URL" };
  const publicUrl = envValue(ctx.env, "NEXTAUTH_URL");
  if (publicUrl) return { url: publicUrl, from: "NEXTAUTH_URL" };
  return { url: ctx.baseUrl, from: "--url" };
}

export async function checkDnsSsl(ctx: StepContext): Promise<StepResult> {
  const { url: text, from } = target(ctx);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`${from} is not a URL ("${text}")`);
  }
  if (url.protocol !== "https:")
    return fail(`${from} is ${url.origin}: the public app must be served over https (no TLS certificate to check)`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || 443);
  const minDays = registryNumber(ctx.env, "TATU_DNS_MIN_CERT_DAYS");
  const caFile = envValue(ctx.env, "TATU_DNS_CA_FILE");
  let ca: string[] | undefined;
  if (caFile) {
    try {
      ca = [...tls.rootCertificates, fs.readFileSync(caFile, "utf8")];
    } catch (err) {
      return fail(`TATU_DNS_CA_FILE cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  let addresses: string[];
  try {
    addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((a) => a.address);
  } catch (err) {
    return fail(`DNS: ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }

  let peer: Peer;
  try {
    peer = await handshake(host, port, ca);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return fail(`${host}:${port} (${addresses.join(", ")}) does not complete a TLS handshake: ${e.code ?? e.message}`);
  }
  const { cert } = peer;
  const expires = new Date(cert.valid_to);
  const daysLeft = Math.floor((expires.getTime() - Date.now()) / DAY_MS);
  const details = {
    host,
    port,
    addresses,
    subject: cert.subject?.CN,
    issuer: cert.issuer?.CN ?? cert.issuer?.O,
    validFrom: new Date(cert.valid_from).toISOString(),
    expires: expires.toISOString(),
    daysLeft,
    fingerprint256: cert.fingerprint256,
  };
  if (!peer.authorized)
    return fail(
      `the TLS certificate of ${host} does not validate: ${verdict(peer.authorizationError ?? "untrusted chain")} (issuer ${details.issuer ?? "unknown"})`,
      details,
    );
  if (daysLeft < minDays)
    return fail(
      `the TLS certificate of ${host} expires on ${details.expires.slice(0, 10)} (${daysLeft} days left; at least ${minDays} needed — renew it)`,
      details,
    );
  return pass(
    `${host} resolves to ${addresses.join(", ")}; certificate valid (issuer ${details.issuer}), expires ${details.expires.slice(0, 10)} (${daysLeft} days)`,
    details,
  );
}

export const dnsSslStep: Step = {
  id: "dns.ssl",
  title: "DNS resolves and the TLS certificate is valid for at least 14 days",
  run: checkDnsSsl,
};
