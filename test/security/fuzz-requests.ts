// fast-check arbitraries for malformed requests against the routes the router lists, and how
// to turn one into a fetch: wrong or missing content types, invalid JSON, huge bodies, wrong
// types, unicode/NUL, very long strings, bad ids, negative/NaN numbers, bad query params,
// header junk — sometimes aimed at A's real ids with A's session, so the checks deep inside
// the handlers run too; webhook bodies are sometimes validly signed so their parsers run.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import Stripe from "stripe";
import twilio from "twilio";
import type { Config } from "../../service/config/load.ts";
import type { RouteEntry } from "./router-walk.ts";
import type { OwnedIds } from "./world.ts";

export type FuzzBody =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string }
  | { kind: "form"; pairs: [string, string][] }
  | {
      kind: "multipart";
      fields: [string, string][];
      files: { field: string; name: string; type: string; bytes: number }[];
    }
  | { kind: "huge"; kb: number; asJson: boolean };

export interface FuzzRequest {
  route: string; // "METHOD /path/:param" as listed by the router
  method: string;
  path: string; // params filled in, already URL-encoded where needed
  query: string;
  /** operator = bearer CRON_SECRET, only on /api/admin/* (crons would just run). */
  identity: "anonymous" | "artist" | "artist-without-csrf" | "operator";
  body: FuzzBody;
  contentType: string | null | "auto";
  headers: Record<string, string>;
  /** Webhooks only: sign the bytes we send with the provider's real secret. */
  signed: boolean;
}

export interface FuzzContext {
  ids: OwnedIds;
  config: Config;
  publicUrl: string;
  session: { cookie: string; csrf: string };
}

const IDENTITIES: FuzzRequest["identity"][] = ["anonymous", "artist", "artist", "artist", "artist-without-csrf"];

// ---------------------------------------------------------------- values

const UUID_LIKE = [
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-4fff-bfff-ffffffffffff",
  "00000000-0000-4000-8000-000000000000",
];
const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "-Infinity",
  "-1",
  "0",
  "1e309",
  "-0",
  "0x1F",
  "1,2,3",
  "abc",
  "𝕏🔥👩‍🎨",
  "\u202e\u0041\u0042",
  "\ud800",
  "é".repeat(3),
  "../../etc/passwd",
  "%00",
  "%E0%A4%A",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "$where",
  '{"$gt":""}',
  "__proto__",
  "constructor",
  "2026-13-45T25:61:00Z",
  "9999-12-31T23:59:59Z",
  "+275760-09-13T00:00:00Z",
  "1970-01-01T00:00:00Z",
  "2026-11-01",
  "not-an-email@",
  "a@b.c",
  "x@example.test",
  "Europe/Berlin",
  "Mars/Olympus",
  "+15017122661",
  "session",
  "consultation",
  "fine-line",
  "eur",
  "true",
  "false",
  "{}",
  "[]",
  "x".repeat(300),
  "y".repeat(5_001),
  "z".repeat(70_000),
  ...UUID_LIKE,
];
const FIELD_NAMES = [
  "email",
  "password",
  "name",
  "role",
  "token",
  "text",
  "archived",
  "since",
  "accountId",
  "isPrimary",
  "accessToken",
  "locationId",
  "appPassword",
  "appleId",
  "phoneNumber",
  "artistId",
  "serviceId",
  "idea",
  "placement",
  "size",
  "budget",
  "slots",
  "start",
  "title",
  "depositCents",
  "reason",
  "projectId",
  "applyDeposit",
  "displayName",
  "studio",
  "styles",
  "bio",
  "city",
  "country",
  "lat",
  "lng",
  "visible",
  "bookingOpen",
  "timeZone",
  "workingHours",
  "bufferMinutes",
  "cancelNoticeHours",
  "ids",
  "caption",
  "kind",
  "durationMinutes",
  "currency",
  "active",
  "enabled",
  "mon",
  "sun",
  "end",
  "object",
  "entry",
  "data",
  "type",
  "id",
  "__proto__",
  "constructor",
];
const QUERY_KEYS = [
  "lat",
  "lng",
  "radiusKm",
  "bbox",
  "style",
  "q",
  "cursor",
  "limit",
  "from",
  "to",
  "serviceId",
  "durationMinutes",
  "channel",
  "unread",
  "archived",
  "token",
  "state",
  "code",
  "error",
  "as",
  "format",
  "hub.mode",
  "hub.verify_token",
  "hub.challenge",
  "oauth_token",
  "oauth_verifier",
  "denied",
  "to",
  "__proto__",
  "radius",
];
const NUMBERS = [-1, 0, 1, -0.5, 1e308, -1e308, 2 ** 53 + 1, 91, -181, 501, 1e-320, 15, 720, 99999999];

const hostileString = (ids: string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS, ...ids) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  );

function jsonValue(ids: string[]): fc.Arbitrary<unknown> {
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      hostileString(ids),
      fc.constantFrom(...NUMBERS),
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 10 })), tie("value"), {
        maxKeys: 6,
      }),
    ),
  }));
  return value;
}

/** A body shaped like a real one (known field names) with hostile values in it. */
const objectBody = (ids: string[]) =>
  fc.dictionary(fc.constantFrom(...FIELD_NAMES), jsonValue(ids), { minKeys: 1, maxKeys: 8 });

const query = (ids: string[]) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.constantFrom(...QUERY_KEYS),
            fc.oneof(
              hostileString(ids),
              fc.constantFrom(
                "abc",
                "1,2,3",
                "1,2,3,4",
                "-1",
                "NaN",
                "13.4,52.5,13.5,52.6",
                "52.52",
                "13.4",
                "0",
                "500.0001",
                "fine-line,nope",
              ),
            ),
          ),
          { maxLength: 6 },
        )
        .map((pairs) => new URLSearchParams(pairs).toString()),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "%",
        "%%%",
        "a=%E0%A4%A",
        "&&&==",
        "a[b]=c&a[c]=d",
        "lat[]=1&lat[]=2",
        "=x",
        "bbox=1&bbox=2",
        "q=" + "q".repeat(9_000),
        "cursor=" + "%FF".repeat(100),
      ),
    },
  );

// ---------------------------------------------------------------- route params

const KNOWN_PARAMS: Record<string, string[]> = {
  source: [
    "facebook",
    "instagram",
    "twilio",
    "twilio-status",
    "stripe",
    "gmail",
    "unknown",
    "__proto__",
    "constructor",
    "toString",
  ],
  route: [
    "google",
    "outlook",
    "facebook",
    "twitter",
    "yahoo",
    "twilio",
    "instagram",
    "apple",
    "square",
    "unknown",
    "__proto__",
  ],
  // Only cron switches: a provider switched off would make its connect routes answer 503 by design.
  name: ["cron.sync-messages", "cron.appointment-reminders", "provider.nope", "nope", "__proto__"],
};

function paramValue(name: string, ids: OwnedIds): fc.Arbitrary<string> {
  const real = Object.values(ids);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...(KNOWN_PARAMS[name] ?? real)) },
    { weight: 2, arbitrary: fc.uuid() },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "abc",
        "-1",
        "NaN",
        "0",
        "%00",
        "a%00b",
        "%E0%A4%A",
        "%F0%9F%94%A5",
        "..",
        "%2E%2E",
        "%2F",
        "%5C",
        "x".repeat(3_000),
        "%20",
        "null",
        "1e999",
        ...UUID_LIKE,
        UUID_LIKE[0]!.toUpperCase(),
      ),
    },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
  );
}

// ---------------------------------------------------------------- headers

// Header values must be valid HTTP field values (fetch refuses CR, LF, NUL): junk within that.
const headerJunk = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "null",
    "Bearer",
    "Bearer ",
    "Bearer x",
    "Basic Zm9vOmJhcg==",
    "sha256=",
    "sha256=zz",
    "t=1,v1=deadbeef",
    "t=,v1=",
    "gzip",
    "br",
    "identity, gzip",
    "*/*",
    "text/html",
    "x".repeat(4_000),
    "é",
    "ÿ\u00fe",
  ),
  fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e\t]/g, "")),
);
const HEADER_NAMES = [
  "authorization",
  "x-csrf-token",
  "x-request-id",
  "accept",
  "accept-language",
  "x-hub-signature-256",
  "x-hub-signature",
  "stripe-signature",
  "x-twilio-signature",
  "x-tatu-operator",
  "origin",
  "x-forwarded-for",
  "content-encoding",
  "accept-encoding",
  "if-none-match",
  "range",
];
const headers = fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerJunk, { maxKeys: 3 });

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=latin1",
  "application/json; charset=utf-9",
  "application/JSON",
  "text/plain",
  "text/html",
  "application/xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "application/octet-stream",
  "image/png",
  "application/json-patch+json",
  "application/vnd.api+json",
  ";;;",
  "*/*",
  "application/",
];

// ---------------------------------------------------------------- bodies

function body(ids: string[]): fc.Arbitrary<FuzzBody> {
  const str = hostileString(ids);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant<FuzzBody>({ kind: "none" }) },
    { weight: 8, arbitrary: objectBody(ids).map((value): FuzzBody => ({ kind: "json", value })) },
    { weight: 3, arbitrary: jsonValue(ids).map((value): FuzzBody => ({ kind: "json", value })) },
    {
      weight: 3,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            "{",
            "}",
            '{"a":',
            "[1,2",
            "nul",
            "{'a':1}",
            '{"a":1,}',
            "\u0000",
            "\ufeff{}",
            '{"email":"\\ud800"}',
            "1".repeat(400),
            "[".repeat(5_000),
            '{"a":'.repeat(2_000),
          ),
          fc.string({ maxLength: 60 }),
        )
        .map((text): FuzzBody => ({ kind: "text", text })),
    },
    {
      weight: 2,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.oneof(
              fc.constantFrom(
                ...FIELD_NAMES,
                "Body",
                "From",
                "To",
                "MessageSid",
                "AccountSid",
                "MessageStatus",
                "NumMedia",
                "MediaUrl0",
              ),
              fc.string({ maxLength: 8 }),
            ),
            str,
          ),
          { maxLength: 8 },
        )
        .map((pairs): FuzzBody => ({ kind: "form", pairs })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({
          fields: fc.array(fc.tuple(fc.constantFrom(...FIELD_NAMES, "caption", "files", "images"), str), {
            maxLength: 6,
          }),
          files: fc.array(
            fc.record({
              field: fc.constantFrom("files", "images", "file", "text", "x"),
              name: fc.constantFrom("a.png", "../../x.png", "evil.html", "", "𝕏.pdf", "a\u0000.png"),
              type: fc.constantFrom("image/png", "text/html", "application/x-msdownload", "", "image/svg+xml"),
              bytes: fc.constantFrom(0, 1, 64, 4_000),
            }),
            { maxLength: 12 },
          ),
        })
        .map(({ fields, files }): FuzzBody => ({ kind: "multipart", fields, files })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ kb: fc.constantFrom(600, 1_100, 1_600), asJson: fc.boolean() })
        .map(({ kb, asJson }): FuzzBody => ({ kind: "huge", kb, asJson })),
    },
  );
}

// ---------------------------------------------------------------- requests

const OTHER_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

const SIGNS_OUT = new Set(["/api/auth/logout", "/api/auth/sessions/revoke-all"]);

export function fuzzRequest(routes: RouteEntry[], ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const ids = Object.values(ctx.ids);
  return fc.constantFrom(...routes).chain((route) => {
    const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    return fc
      .record({
        params: fc.tuple(...names.map((n) => paramValue(n, ctx.ids))),
        method: fc.oneof(
          { weight: 12, arbitrary: fc.constant(route.method) },
          { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) },
        ),
        query: fc.oneof({ weight: 1, arbitrary: fc.constant("") }, { weight: 2, arbitrary: query(ids) }),
        identity: fc.constantFrom<FuzzRequest["identity"]>(
          ...IDENTITIES,
          ...(route.path.startsWith("/api/admin/") ? (["operator", "operator"] as const) : []),
        ),
        body: body(ids),
        contentType: fc.oneof(
          { weight: 5, arbitrary: fc.constant<"auto">("auto") },
          { weight: 1, arbitrary: fc.constant(null) },
          { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        ),
        headers,
        signed: fc.boolean(),
      })
      .map(({ params, method, query, identity, body, contentType, headers, signed }): FuzzRequest => {
        let i = 0;
        const path = route.path.replace(/:(\w+)/g, () => params[i++]!);
        // Logging out (or signing out everywhere) would end the session every other request uses.
        const id = SIGNS_OUT.has(route.path) ? "anonymous" : identity;
        return {
          route: `${route.method} ${route.path}`,
          method,
          path,
          query,
          identity: id,
          body,
          contentType,
          headers,
          signed,
        };
      });
  });
}

// ---------------------------------------------------------------- to fetch

const hugeCache = new Map<string, Buffer>();
function hugeBody(kb: number, asJson: boolean): Buffer {
  const key = `${kb}:${asJson}`;
  let b = hugeCache.get(key);
  if (!b) {
    b = asJson ? Buffer.from(JSON.stringify({ text: "h".repeat(kb * 1024) })) : Buffer.alloc(kb * 1024, 0x61);
    hugeCache.set(key, b);
  }
  return b;
}

function encodeBody(b: FuzzBody): { bytes?: Buffer | FormData; type?: string } {
  switch (b.kind) {
    case "none":
      return {};
    case "json":
      return { bytes: Buffer.from(JSON.stringify(b.value) ?? "null"), type: "application/json" };
    case "text":
      return { bytes: Buffer.from(b.text), type: "application/json" };
    case "form":
      return { bytes: Buffer.from(new URLSearchParams(b.pairs).toString()), type: "application/x-www-form-urlencoded" };
    case "huge":
      return { bytes: hugeBody(b.kb, b.asJson), type: b.asJson ? "application/json" : "application/octet-stream" };
    case "multipart": {
      const form = new FormData();
      for (const [k, v] of b.fields) form.append(k, v);
      for (const f of b.files) form.append(f.field, new Blob([Buffer.alloc(f.bytes, 0x89)], { type: f.type }), f.name);
      return { bytes: form };
    }
  }
}

/** The fetch call for a fuzz request (signing webhook bodies with the real secrets when asked). */
export function toFetch(req: FuzzRequest, ctx: FuzzContext): { url: string; init: RequestInit } {
  const { bytes, type } = encodeBody(req.body);
  const h: Record<string, string> = { ...req.headers };
  const contentType = req.contentType === "auto" ? type : req.contentType;
  if (contentType !== undefined && contentType !== null && !(bytes instanceof FormData && req.contentType === "auto"))
    h["content-type"] = contentType;
  if (req.identity === "operator") h.authorization = `Bearer ${ctx.config.cronSecret}`;
  else if (req.identity !== "anonymous") {
    h.cookie = ctx.session.cookie;
    if (req.identity === "artist") h["x-csrf-token"] = ctx.session.csrf;
  }
  const pathAndQuery = req.path + (req.query ? `?${req.query}` : "");
  if (req.signed && Buffer.isBuffer(bytes)) sign(req, bytes, h, `${ctx.publicUrl}${pathAndQuery}`, ctx.config);
  const hasBody = bytes !== undefined && !["GET", "HEAD"].includes(req.method);
  return {
    url: `${ctx.publicUrl}${pathAndQuery}`,
    init: { method: req.method, headers: h, body: hasBody ? (bytes as BodyInit) : undefined, redirect: "manual" },
  };
}

function sign(req: FuzzRequest, bytes: Buffer, h: Record<string, string>, url: string, config: Config): void {
  const env = config.env;
  if (/^\/api\/webhooks\/(facebook|instagram)$/.test(req.path) && env.FACEBOOK_APP_SECRET)
    h["x-hub-signature-256"] = `sha256=${createHmac("sha256", env.FACEBOOK_APP_SECRET).update(bytes).digest("hex")}`;
  else if (/^\/api\/webhooks\/twilio(\/status|-status)?$/.test(req.path) && env.TWILIO_AUTH_TOKEN) {
    const params: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(bytes.toString("utf8"))) params[k] = v;
    h["x-twilio-signature"] = twilio.getExpectedTwilioSignature(env.TWILIO_AUTH_TOKEN, url, params);
  } else if (req.path === "/api/webhooks/stripe" && env.STRIPE_WEBHOOK_SECRET)
    h["stripe-signature"] = Stripe.webhooks.generateTestHeaderString({
      payload: bytes.toString("utf8"),
      secret: env.STRIPE_WEBHOOK_SECRET,
    });
}

/** A one-line description of a request for failure reports (no secrets: the caller masks them). */
export function describe(req: FuzzRequest): string {
  const body = JSON.stringify(req.body.kind === "huge" ? req.body : req.body).slice(0, 400);
  return `${req.method} ${req.path.slice(0, 200)}${req.query ? `?${req.query.slice(0, 200)}` : ""} as ${req.identity} ct=${String(req.contentType)} signed=${req.signed} headers=${JSON.stringify(req.headers).slice(0, 200)} body=${body}`;
}
