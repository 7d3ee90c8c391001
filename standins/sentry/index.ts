// Local stand-in for Sentry: the envelope endpoint @sentry/node posts events to (DSN) and the
// Web API's stats_v2 error counts `tatu hypercare` reads — per /work/shared/notes/wire/sentry.md.
// For tests and `tatu launch --rehearse`.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { closeServer, listenLoopback } from "../shared/http.ts";

export interface SentryStandIn {
  url: string;
  dsn: string;
  org: string;
  projectId: string;
  authToken: string;
  /** SENTRY_DSN (the app) + SENTRY_AUTH_TOKEN, SENTRY_ORG, SENTRY_PROJECT_ID, SENTRY_API_BASE_URL (the CLI). */
  env(): Record<string, string>;
  /** As if the app had reported n errors (at `at`, default now). */
  recordErrors(n: number, at?: Date): void;
  events(): { eventId: string; at: Date; message?: string }[];
  close(): Promise<void>;
}

const periodMs = (p: string | null): number | undefined => {
  const m = /^(\d+)([smhdw])$/.exec(p ?? "");
  return m ? Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[m[2] as "s"] : undefined;
};

/** The items of an envelope: header line, then item header + payload (length-prefixed or one line). */
function envelopeItems(body: Buffer): { type: string; payload: Buffer }[] {
  const items: { type: string; payload: Buffer }[] = [];
  let pos = body.indexOf(0x0a);
  if (pos < 0) return items;
  pos += 1;
  while (pos < body.length) {
    const end = body.indexOf(0x0a, pos);
    const headerLine = body
      .subarray(pos, end < 0 ? body.length : end)
      .toString("utf8")
      .trim();
    if (!headerLine) {
      pos = end < 0 ? body.length : end + 1;
      continue;
    }
    const header = JSON.parse(headerLine) as { type: string; length?: number };
    const start = end < 0 ? body.length : end + 1;
    let stop: number;
    if (typeof header.length === "number") stop = start + header.length;
    else {
      const nl = body.indexOf(0x0a, start);
      stop = nl < 0 ? body.length : nl;
    }
    items.push({ type: header.type, payload: body.subarray(start, stop) });
    pos = stop + 1;
  }
  return items;
}

export async function startSentryStandIn(opts: { port?: number } = {}): Promise<SentryStandIn> {
  const publicKey = randomBytes(16).toString("hex");
  const authToken = `sntryu_${randomBytes(24).toString("hex")}`;
  const org = "tatu";
  const projectId = String(4500000 + Math.floor(Math.random() * 99999));
  const events: { eventId: string; at: Date; message?: string }[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sentry.local");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const envelope = /^\/api\/(\d+)\/envelope\/?$/.exec(url.pathname);
      if (req.method === "POST" && envelope) {
        const key =
          url.searchParams.get("sentry_key") ??
          /sentry_key=([^,\s]+)/.exec(req.headers["x-sentry-auth"]?.toString() ?? "")?.[1];
        if (key !== publicKey || envelope[1] !== projectId) return send(401, { detail: "Invalid api key" });
        let items;
        try {
          const raw = Buffer.concat(chunks);
          // The SDK gzips envelopes over 32 KiB.
          items = envelopeItems(req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw);
        } catch {
          return send(400, { detail: "invalid envelope" });
        }
        let id = "";
        for (const item of items) {
          if (item.type !== "event") continue; // transactions, sessions, client reports: accepted, not errors
          const ev = JSON.parse(item.payload.toString("utf8")) as {
            event_id?: string;
            exception?: { values?: { value?: string }[] };
            message?: string;
          };
          id = ev.event_id ?? randomBytes(16).toString("hex");
          events.push({ eventId: id, at: new Date(), message: ev.exception?.values?.[0]?.value ?? ev.message });
        }
        return send(200, { id });
      }
      const stats = /^\/api\/0\/organizations\/([^/]+)\/stats_v2\/?$/.exec(url.pathname);
      if (req.method === "GET" && stats) {
        if (req.headers.authorization !== `Bearer ${authToken}`) return send(401, { detail: "Invalid token" });
        if (stats[1] !== org) return send(404, { detail: "The requested resource does not exist" });
        const q = url.searchParams;
        if (!q.get("field") || !q.getAll("groupBy").length)
          return send(400, { detail: "field and groupBy are required" });
        const projects = q.getAll("project");
        if (projects.length && !projects.includes("-1") && !projects.includes(projectId))
          return send(200, { start: null, end: null, intervals: [], groups: [] });
        const span = periodMs(q.get("statsPeriod")) ?? 86_400_000;
        const end = Date.now(),
          start = end - span;
        const n =
          q.get("category") && q.get("category") !== "error" ? 0 : events.filter((e) => e.at.getTime() >= start).length;
        return send(200, {
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          intervals: [new Date(start).toISOString()],
          groups: [
            { by: { outcome: "accepted" }, totals: { [q.get("field")!]: n }, series: { [q.get("field")!]: [n] } },
          ],
        });
      }
      send(404, { detail: "The requested resource does not exist" });
    });
  });
  const base = await listenLoopback(server, opts.port);
  const { port } = new URL(base);
  const dsn = `http://${publicKey}@127.0.0.1:${port}/${projectId}`;
  return {
    url: base,
    dsn,
    org,
    projectId,
    authToken,
    env: () => ({
      SENTRY_DSN: dsn,
      SENTRY_AUTH_TOKEN: authToken,
      SENTRY_ORG: org,
      SENTRY_PROJECT_ID: projectId,
      SENTRY_API_BASE_URL: base,
    }),
    recordErrors(n, at = new Date()) {
      for (let i = 0; i < n; i++)
        events.push({ eventId: randomBytes(16).toString("hex"), at, message: "recorded by the test" });
    },
    events: () => [...events],
    close: () => closeServer(server),
  };
}
