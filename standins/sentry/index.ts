// Local stand-in for Sentry: the envelope endpoint @sentry/node posts events to (DSN) and the
// Web API `tatu` reads — stats_v2 error counts, a project's issues (grouped events, searchable by
// `firstSeen:>…`) and one event by id — per /work/shared/notes/wire/sentry.md and Sentry's API
// reference ("List a Project's Issues", "Retrieve an Event for a Project").
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
  /** As if the app had reported n errors (at `at`, default now; `message` groups them into one issue). */
  recordErrors(n: number, at?: Date, message?: string): void;
  events(): StoredEvent[];
  /** Another project of the same org, with its own DSN (a DSN pointing at the wrong project). */
  addProject(): { projectId: string; dsn: string };
  /** Ingestion accepts envelopes (200) but keeps nothing, like an inbound filter dropping them. */
  dropIngestion(drop: boolean): void;
  close(): Promise<void>;
}

export interface StoredEvent {
  eventId: string;
  projectId: string;
  at: Date;
  type?: string;
  message?: string;
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
  const authToken = `sntryu_${randomBytes(24).toString("hex")}`;
  const org = "tatu";
  /** projectId → its DSN public key. */
  const projects = new Map<string, string>();
  const newProject = () => {
    let id: string;
    do id = String(4500000 + Math.floor(Math.random() * 99999));
    while (projects.has(id));
    projects.set(id, randomBytes(16).toString("hex"));
    return id;
  };
  const projectId = newProject();
  const publicKey = projects.get(projectId)!;
  const events: StoredEvent[] = [];
  let dropping = false;
  let port = 0,
    base = "";
  /** Issues: one per exception type + message, numbered in order of first sight. */
  const issueIds = new Map<string, number>();
  const fingerprint = (e: StoredEvent) => `${e.projectId}|${e.type ?? ""}|${e.message ?? ""}`;
  const store = (e: StoredEvent) => {
    if (!issueIds.has(fingerprint(e))) issueIds.set(fingerprint(e), issueIds.size + 1);
    events.push(e);
  };

  /** "List a Project's Issues": unresolved issues, filtered by `firstSeen:>…` / `firstSeen:>=…` in the query. */
  const projectIssues = (project: string, query: string | null) => {
    const after = /firstSeen:(>=?)(\S+)/.exec(query ?? "");
    const since = after ? Date.parse(after[2]!) : Number.NEGATIVE_INFINITY;
    const groups = new Map<number, StoredEvent[]>();
    for (const e of events.filter((x) => x.projectId === project)) {
      const id = issueIds.get(fingerprint(e))!;
      groups.set(id, [...(groups.get(id) ?? []), e]);
    }
    return [...groups]
      .map(([id, evs]) => {
        const first = evs[0]!,
          last = evs.at(-1)!;
        return {
          id: String(id),
          shortId: `TATU-${id.toString(36).toUpperCase()}`,
          title: first.type ? `${first.type}: ${first.message ?? ""}` : (first.message ?? "<unlabeled event>"),
          culprit: "",
          permalink: `${base}/organizations/${org}/issues/${id}/`,
          firstSeen: first.at.toISOString(),
          lastSeen: last.at.toISOString(),
          count: String(evs.length),
          userCount: 0,
          level: "error",
          status: "unresolved",
          project: { id: project, slug: `project-${project}`, name: `project-${project}` },
        };
      })
      .filter((i) => (after?.[1] === ">=" ? Date.parse(i.firstSeen) >= since : Date.parse(i.firstSeen) > since))
      .sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen));
  };

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
        if (!projects.has(envelope[1]!) || key !== projects.get(envelope[1]!))
          return send(401, { detail: "Invalid api key" });
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
            exception?: { values?: { type?: string; value?: string }[] };
            message?: string | { formatted?: string };
          };
          id = ev.event_id ?? randomBytes(16).toString("hex");
          const message = typeof ev.message === "string" ? ev.message : ev.message?.formatted;
          const exception = ev.exception?.values?.at(-1);
          if (!dropping)
            store({
              eventId: id,
              projectId: envelope[1]!,
              at: new Date(),
              type: exception?.type,
              message: exception?.value ?? message,
            });
        }
        return send(200, { id });
      }
      const projectApi = /^\/api\/0\/projects\/([^/]+)\/([^/]+)\/(issues|events\/([0-9a-f]{32}))\/?$/.exec(
        url.pathname,
      );
      if (req.method === "GET" && projectApi) {
        if (req.headers.authorization !== `Bearer ${authToken}`) return send(401, { detail: "Invalid token" });
        const [, orgSlug, project, , eventId] = projectApi;
        if (orgSlug !== org || !projects.has(project!))
          return send(404, { detail: "The requested resource does not exist" });
        if (eventId) {
          const ev = events.find((e) => e.projectId === project && e.eventId === eventId);
          if (!ev) return send(404, { detail: "Event not found" });
          return send(200, {
            id: ev.eventId,
            eventID: ev.eventId,
            groupID: String(issueIds.get(fingerprint(ev))),
            projectID: project,
            title: ev.type ? `${ev.type}: ${ev.message ?? ""}` : (ev.message ?? "<unlabeled event>"),
            message: ev.message ?? "",
            dateCreated: ev.at.toISOString(),
            dateReceived: ev.at.toISOString(),
          });
        }
        return send(200, projectIssues(project!, url.searchParams.get("query")));
      }
      const stats = /^\/api\/0\/organizations\/([^/]+)\/stats_v2\/?$/.exec(url.pathname);
      if (req.method === "GET" && stats) {
        if (req.headers.authorization !== `Bearer ${authToken}`) return send(401, { detail: "Invalid token" });
        if (stats[1] !== org) return send(404, { detail: "The requested resource does not exist" });
        const q = url.searchParams;
        if (!q.get("field") || !q.getAll("groupBy").length)
          return send(400, { detail: "field and groupBy are required" });
        const asked = q.getAll("project");
        if (asked.length && !asked.includes("-1") && !asked.some((p) => projects.has(p)))
          return send(200, { start: null, end: null, intervals: [], groups: [] });
        const span = periodMs(q.get("statsPeriod")) ?? 86_400_000;
        const end = Date.now(),
          start = end - span;
        const n =
          q.get("category") && q.get("category") !== "error"
            ? 0
            : events.filter(
                (e) =>
                  e.at.getTime() >= start && (!asked.length || asked.includes("-1") || asked.includes(e.projectId)),
              ).length;
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
  base = await listenLoopback(server, opts.port);
  port = Number(new URL(base).port);
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
    recordErrors(n, at = new Date(), message = "recorded by the test") {
      for (let i = 0; i < n; i++)
        store({ eventId: randomBytes(16).toString("hex"), projectId, at, type: "Error", message });
    },
    events: () => [...events],
    addProject() {
      const id = newProject();
      return { projectId: id, dsn: `http://${projects.get(id)}@127.0.0.1:${port}/${id}` };
    },
    dropIngestion(drop) {
      dropping = drop;
    },
    close: () => closeServer(server),
  };
}
