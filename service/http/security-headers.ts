// Security headers (helmet) for every answer. Pages of the SPA get a strict Content-Security-
// Policy: only our own scripts (no inline script, no eval), no plugins, no framing, no foreign
// <base> or form targets, images from us and the configured map tile server, connections to us
// only. API answers are data, never documents: `default-src 'none'` and no framing.
// vercel.json carries the same page headers for the static build (test/http/security-headers
// keeps the two in step).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import helmet, { type HelmetOptions } from "helmet";

/** Leaflet's default tiles when no tile URL is configured (web/src/map.tsx uses the same). */
export const OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

export interface PagePolicyInput {
  /** Map tile URL template ({z}/{x}/{y}, optionally {s} subdomains); default OpenStreetMap. */
  tileUrl?: string;
  /** The app is served over https (NEXTAUTH_URL): HSTS and upgrade-insecure-requests. */
  https: boolean;
}

/**
 * The CSP source a tile template loads from: its scheme + host (+ port). Leaflet's `{s}`
 * subdomain placeholder becomes a `*.` wildcard, the only wildcard CSP allows in a host.
 */
export function tileSource(template: string): string {
  const m = /^(https?):\/\/([^/?#\s]+)/i.exec(template.trim());
  if (!m) throw new Error(`not an http(s) tile URL template: ${template}`);
  const host = m[2]!.replace(/^\{s\}\./, "*.");
  if (!/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/.test(host) && !/^\[[0-9a-fA-F:]+\](:\d+)?$/.test(host))
    throw new Error(`the tile URL's host is not usable in a Content-Security-Policy: ${host}`);
  return `${m[1]!.toLowerCase()}://${host.toLowerCase()}`;
}

export function pageCspDirectives(input: PagePolicyInput): Record<string, string[]> {
  return {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    // No inline event handlers (onerror=…), whatever slips into the DOM.
    "script-src-attr": ["'none'"],
    // Our CSS files only. React's `style` props and Leaflet's positioning are set through the
    // CSSOM (element.style), which style-src does not govern, so no 'unsafe-inline' is needed.
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:", tileSource(input.tileUrl || OSM_TILE_URL)],
    "font-src": ["'self'", "data:"],
    // CSP3: 'self' also matches ws:/wss: on our own host — the realtime socket (/ws).
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    ...(input.https ? { "upgrade-insecure-requests": [] } : {}),
  };
}

// The headers every answer shares; only the CSP differs between pages and API answers.
function common(input: PagePolicyInput): HelmetOptions {
  return {
    crossOriginOpenerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: { policy: "same-origin" },
    // COEP would make every cross-origin tile need CORP/CORS headers we do not control.
    crossOriginEmbedderPolicy: false,
    originAgentCluster: true,
    // Tile servers (OpenStreetMap's usage policy) want a Referer; send only our origin cross-site.
    referrerPolicy: { policy: "strict-origin-when-cross-origin" },
    strictTransportSecurity: input.https ? { maxAge: 63_072_000, includeSubDomains: true } : false,
    xContentTypeOptions: true,
    xDnsPrefetchControl: { allow: false },
    xDownloadOptions: true,
    xFrameOptions: { action: "deny" },
    xPermittedCrossDomainPolicies: { permittedPolicies: "none" },
    xPoweredBy: true,
    xXssProtection: true,
  };
}

export function pageHeaders(input: PagePolicyInput): RequestHandler {
  return helmet({
    ...common(input),
    contentSecurityPolicy: { useDefaults: false, directives: pageCspDirectives(input) },
  }) as RequestHandler;
}

export const API_CSP = { "default-src": ["'none'"], "frame-ancestors": ["'none'"] };

export function apiHeaders(input: PagePolicyInput): RequestHandler {
  return helmet({
    ...common(input),
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
  }) as RequestHandler;
}

/** Page headers on everything but /api/* (routes may still set a stricter CSP of their own). */
export function securityHeaders(input: PagePolicyInput): RequestHandler {
  const page = pageHeaders(input);
  const api = apiHeaders(input);
  return (req, res, next) => (req.path === "/api" || req.path.startsWith("/api/") ? api : page)(req, res, next);
}

/** The headers a middleware sets, as a plain object (lower-case names): for vercel.json and its test. */
export function headersOf(middleware: RequestHandler): Record<string, string> {
  const out: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number) {
      out[name.toLowerCase()] = String(value);
      return res;
    },
    removeHeader(name: string) {
      delete out[name.toLowerCase()];
    },
    getHeader(name: string) {
      return out[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  const req = { method: "GET", url: "/", headers: {} } as IncomingMessage;
  let called = false;
  (middleware as unknown as (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void)(
    req,
    res,
    (err) => {
      if (err) throw err;
      called = true;
    },
  );
  if (!called) throw new Error("the header middleware did not finish synchronously");
  return out;
}
