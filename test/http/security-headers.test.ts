// Security headers (helmet): a strict Content-Security-Policy on every page of the SPA (the
// entry, public search, any deep client-side route), `default-src 'none'` on API answers, the
// usual hardening headers on both, and vercel.json's static-build headers equal to Express's.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { headersOf, pageHeaders, tileSource } from "../../service/http/security-headers.ts";

let app: TestApp;
let tiled: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  tiled = await startTestApp({ env: { VITE_TILE_URL: "https://{s}.tiles.example.net:8443/v1/{z}/{x}/{y}.png" } });
});
afterAll(async () => {
  await app?.close();
  await tiled?.close();
});

/** The CSP as directive → sources. */
function csp(header: string | null): Record<string, string[]> {
  expect(header, "Content-Security-Policy header").toBeTruthy();
  return Object.fromEntries(
    header!
      .split(";")
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [k, ...v] = d.split(/\s+/);
        return [k!, v];
      }),
  );
}

describe("pages of the SPA", () => {
  for (const path of ["/", "/artists", "/artists/8d7f2a4e-0000-4000-8000-000000000000", "/inbox/some/deep/route?x=1"]) {
    it(`${path} has the strict CSP and the hardening headers`, async () => {
      const res = await fetch(app.url + path);
      expect([200, 503]).toContain(res.status); // 503 = web app not built: still a page, same headers
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      const p = csp(res.headers.get("content-security-policy"));
      expect(p["default-src"]).toEqual(["'self'"]);
      expect(p["script-src"]).toEqual(["'self'"]); // no 'unsafe-inline', no 'unsafe-eval'
      expect(p["script-src-attr"]).toEqual(["'none'"]);
      expect(p["object-src"]).toEqual(["'none'"]);
      expect(p["frame-ancestors"]).toEqual(["'none'"]);
      expect(p["base-uri"]).toEqual(["'self'"]);
      expect(p["form-action"]).toEqual(["'self'"]);
      expect(p["connect-src"]).toEqual(["'self'"]);
      expect(p["style-src"]).toEqual(["'self'"]);
      // Map tiles: OpenStreetMap unless configured, plus data:/blob: images.
      expect(p["img-src"]).toEqual(["'self'", "data:", "blob:", "https://tile.openstreetmap.org"]);
      expect(p["upgrade-insecure-requests"]).toBeUndefined(); // http here
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(res.headers.get("strict-transport-security")).toBeNull(); // only over https
      expect(res.headers.get("x-powered-by")).toBeNull();
    });
  }

  it("img-src follows the configured tile server ({s} subdomains → a wildcard)", async () => {
    const p = csp((await fetch(tiled.url + "/artists")).headers.get("content-security-policy"));
    expect(p["img-src"]).toEqual(["'self'", "data:", "blob:", "https://*.tiles.example.net:8443"]);
  });

  it("the built index.html has no inline script or style (the CSP would refuse them)", () => {
    for (const file of ["web/index.html", ...(fs.existsSync("web/dist/index.html") ? ["web/dist/index.html"] : [])]) {
      const html = fs.readFileSync(file, "utf8");
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      expect(scripts.length, file).toBeGreaterThan(0);
      for (const [, attrs, body] of scripts) {
        expect(attrs, file).toMatch(/\bsrc=/);
        expect(body!.trim(), file).toBe("");
      }
      expect(html, file).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    }
  });
});

describe("API answers", () => {
  for (const path of ["/api/health", "/api/no/such/route", "/api/inbox/conversations"]) {
    it(`${path} is data, never a document: default-src 'none', no framing, nosniff`, async () => {
      const res = await fetch(app.url + path);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(csp(res.headers.get("content-security-policy"))).toEqual({
        "default-src": ["'none'"],
        "frame-ancestors": ["'none'"],
      });
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    });
  }
});

describe("over https", () => {
  it("adds HSTS and upgrade-insecure-requests", () => {
    const h = headersOf(pageHeaders({ https: true }));
    expect(h["strict-transport-security"]).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
    expect(csp(h["content-security-policy"]!)["upgrade-insecure-requests"]).toEqual([]);
  });
});

describe("vercel.json (the static build on Vercel)", () => {
  it("sends exactly the headers Express sends on pages (https, default tiles), on every non-API path", () => {
    const vercel = JSON.parse(fs.readFileSync("vercel.json", "utf8")) as {
      routes: { src?: string; headers?: Record<string, string>; continue?: boolean; handle?: string }[];
    };
    // Legacy `routes` cannot be combined with a top-level `headers` key: a header route that continues.
    const withHeaders = vercel.routes.filter((r) => r.headers);
    expect(withHeaders).toHaveLength(1);
    const route = withHeaders[0]!;
    expect(route.continue).toBe(true);
    expect(vercel.routes.indexOf(route)).toBe(0);
    const re = new RegExp(`^${route.src}$`);
    for (const path of ["/", "/index.html", "/artists", "/artists/x/y", "/assets/index-abc.js"])
      expect(re.test(path), path).toBe(true);
    expect(re.test("/api/health"), "API answers get Express's own headers").toBe(false);
    const lower = Object.fromEntries(Object.entries(route.headers!).map(([k, v]) => [k.toLowerCase(), v]));
    expect(lower).toEqual(headersOf(pageHeaders({ https: true })));
  });
});

describe("tileSource", () => {
  it("turns a tile template into one CSP source, and refuses what a CSP cannot name", () => {
    expect(tileSource("https://tile.openstreetmap.org/{z}/{x}/{y}.png")).toBe("https://tile.openstreetmap.org");
    expect(tileSource("http://127.0.0.1:4321/{z}/{x}/{y}.png")).toBe("http://127.0.0.1:4321");
    expect(tileSource("https://{s}.tile.example.com/{z}/{x}/{y}.png")).toBe("https://*.tile.example.com");
    expect(() => tileSource("https://a;b/{z}/{x}/{y}.png")).toThrow();
    expect(() => tileSource("javascript:alert(1)")).toThrow();
  });

  it("an invalid VITE_TILE_URL stops the boot with a clear message", async () => {
    await expect(startTestApp({ env: { VITE_TILE_URL: "https://tiles.example.net/x.png" } })).rejects.toThrow(
      /VITE_TILE_URL is invalid: must contain \{z\}, \{x\} and \{y\}/,
    );
  });
});
