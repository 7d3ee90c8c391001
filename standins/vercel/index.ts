// Local stand-in for the Vercel REST API parts `tatu` uses: project env vars (presence and
// target; values only as ciphertext), the project (current production target), production
// deployments, instant rollback, and the project's crons (what the deployed vercel.json declared) — wire shapes per /work/shared/notes/wire/vercel.md.
// For tests and `tatu launch --rehearse`.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { closeServer, listenLoopback } from "../shared/http.ts";

export interface StandInDeployment {
  uid: string;
  name: string;
  projectId: string;
  url: string;
  created: number;
  createdAt: number;
  ready: number;
  state: "READY";
  readyState: "READY";
  readySubstate: "PROMOTED" | "STAGED";
  target: "production" | null;
  isRollbackCandidate: boolean;
}
export interface StandInEnv {
  id: string;
  key: string;
  target: string[];
  type: "encrypted" | "plain" | "sensitive";
}

export interface StandInCronDefinition {
  host: string;
  path: string;
  schedule: string;
}
/** The project's `crons` as GET /v9/projects/{id} returns them. */
export interface StandInCrons {
  enabledAt: number;
  disabledAt: number | null;
  updatedAt: number;
  deploymentId: string | null;
  definitions: StandInCronDefinition[];
}

/** The repo's own vercel.json crons: what a deployment of this tree registers. */
function repoCrons(): { path: string; schedule: string }[] {
  const file = path.resolve(import.meta.dirname, "../../vercel.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { crons?: { path: string; schedule: string }[] }).crons ?? [];
}

export interface VercelStandIn {
  url: string;
  token: string;
  projectId: string;
  teamId: string;
  /** VERCEL_TOKEN, VERCEL_PROJECT_ID, VERCEL_TEAM_ID, VERCEL_API_BASE_URL. */
  env(): Record<string, string>;
  setEnv(key: string, target: string[]): void;
  removeEnv(key: string): void;
  /** A new ready production deployment; it becomes the production target. */
  deploy(): StandInDeployment;
  deployments(): StandInDeployment[];
  /** The deployment production serves now. */
  production(): StandInDeployment;
  /** The project's crons (default: the repo's vercel.json crons, enabled, on the production deployment). */
  crons(): StandInCrons;
  /** Replace parts of them: other definitions (path + schedule), or disabled (`disabledAt`). */
  setCrons(change: { definitions?: { path: string; schedule: string }[]; disabledAt?: number | null }): void;
  requests(): { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

const rid = (prefix: string) => `${prefix}_${randomBytes(8).toString("hex")}`;

export async function startVercelStandIn(
  opts: { port?: number; env?: { key: string; target: string[] }[]; deployments?: number } = {},
): Promise<VercelStandIn> {
  const token = `vercel_${randomBytes(16).toString("hex")}`;
  const projectId = rid("prj");
  const teamId = rid("team");
  const envs = new Map<string, StandInEnv>();
  const deployments: StandInDeployment[] = [];
  const log: { method: string; path: string; status: number }[] = [];
  let productionId = "";
  let lastRollbackTarget: Record<string, unknown> | null = null;
  let clock = Date.now() - 86_400_000;

  const setEnv = (key: string, target: string[]) =>
    envs.set(key, { id: envs.get(key)?.id ?? randomBytes(8).toString("base64url"), key, target, type: "encrypted" });
  for (const e of opts.env ?? []) setEnv(e.key, e.target);
  const deploy = (): StandInDeployment => {
    clock += 3_600_000;
    const uid = rid("dpl");
    const d: StandInDeployment = {
      uid,
      name: "tatu",
      projectId,
      url: `tatu-${uid.slice(4, 13)}-team.vercel.app`,
      created: clock,
      createdAt: clock,
      ready: clock + 60_000,
      state: "READY",
      readyState: "READY",
      readySubstate: "PROMOTED",
      target: "production",
      isRollbackCandidate: true,
    };
    deployments.push(d);
    productionId = uid;
    return d;
  };
  for (let i = 0; i < (opts.deployments ?? 3); i++) deploy();
  const byId = (id: string) => deployments.find((d) => d.uid === id);
  const host = () => byId(productionId)?.url ?? "tatu.vercel.app";
  const withHost = (defs: { path: string; schedule: string }[]) =>
    defs.map((d) => ({ host: host(), path: d.path, schedule: d.schedule }));
  let crons: StandInCrons = {
    enabledAt: clock,
    disabledAt: null,
    updatedAt: clock,
    deploymentId: productionId || null,
    definitions: withHost(repoCrons()),
  };
  const setCrons = (change: { definitions?: { path: string; schedule: string }[]; disabledAt?: number | null }) => {
    crons = {
      ...crons,
      ...(change.definitions && { definitions: withHost(change.definitions) }),
      ...(change.disabledAt !== undefined && { disabledAt: change.disabledAt }),
      updatedAt: Date.now(),
    };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://vercel.local");
    const send = (status: number, body?: unknown) => {
      log.push({ method: req.method ?? "GET", path: url.pathname, status });
      res.writeHead(status, body === undefined ? {} : { "content-type": "application/json" });
      res.end(body === undefined ? "" : JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) =>
      send(status, { error: { code, message, ...extra } });
    req.resume();
    req.on("end", () => {
      // Expired/revoked tokens answer 403 with invalidToken, as the live API does.
      if (req.headers.authorization !== `Bearer ${token}`)
        return error(403, "forbidden", "Not authorized", { invalidToken: true });
      const p = url.pathname.split("/").filter(Boolean);
      const projectMatches = (id: string | undefined) => id === projectId || id === "tatu";
      // Team-owned project: without the team scope it is not found.
      if (url.searchParams.get("teamId") !== teamId) return error(404, "not_found", "Project not found");

      if (req.method === "GET" && p.length === 4 && /^v(9|10)$/.test(p[0]!) && p[1] === "projects" && p[3] === "env") {
        if (!projectMatches(p[2])) return error(404, "not_found", "Project not found");
        return send(200, {
          envs: [...envs.values()].map((e) => ({
            type: e.type,
            value: `eyJ2IjoidjIiLCJ${randomBytes(12).toString("base64url")}`,
            target: e.target,
            configurationId: null,
            id: e.id,
            key: e.key,
            createdAt: 1_700_000_000_000,
            updatedAt: 1_700_000_000_000,
            createdBy: "standin",
            updatedBy: null,
            decrypted: false,
          })),
        });
      }
      if (req.method === "GET" && p.length === 3 && p[0] === "v9" && p[1] === "projects") {
        if (!projectMatches(p[2])) return error(404, "not_found", "Project not found");
        const prod = byId(productionId)!;
        return send(200, {
          id: projectId,
          name: "tatu",
          accountId: teamId,
          targets: { production: { id: prod.uid, url: prod.url, createdAt: prod.created, readyState: "READY" } },
          lastRollbackTarget,
          crons,
        });
      }
      if (req.method === "GET" && p.length === 2 && /^v(6|7)$/.test(p[0]!) && p[1] === "deployments") {
        const q = url.searchParams;
        if (q.get("projectId") && !projectMatches(q.get("projectId")!))
          return send(200, { pagination: { count: 0, next: null, prev: null }, deployments: [] });
        let list = [...deployments].sort((a, b) => b.created - a.created);
        if (q.get("target") === "production") list = list.filter((d) => d.target === "production");
        const limit = Math.min(Number(q.get("limit") ?? 20) || 20, 100);
        list = list.slice(0, limit);
        return send(200, {
          pagination: { count: list.length, next: null, prev: list[0]?.created ?? null },
          deployments: list,
        });
      }
      if (
        req.method === "POST" &&
        p.length === 5 &&
        /^v(1|9)$/.test(p[0]!) &&
        p[1] === "projects" &&
        p[3] === "rollback"
      ) {
        if (!projectMatches(p[2])) return error(404, "not_found", "Project not found");
        const target = byId(p[4]!);
        if (!target || target.target !== "production")
          return error(400, "bad_request", "The deployment is not a production deployment of this project.");
        if (target.uid === productionId)
          return error(409, "conflict", "This deployment is already serving production.");
        lastRollbackTarget = {
          fromDeploymentId: productionId,
          toDeploymentId: target.uid,
          jobStatus: "succeeded",
          requestedAt: Date.now(),
          type: "rollback",
        };
        productionId = target.uid;
        return send(201);
      }
      error(404, "not_found", `The requested path was not found: ${req.method} ${url.pathname}`);
    });
  });
  const base = await listenLoopback(server, opts.port);

  return {
    url: base,
    token,
    projectId,
    teamId,
    env: () => ({
      VERCEL_TOKEN: token,
      VERCEL_PROJECT_ID: projectId,
      VERCEL_TEAM_ID: teamId,
      VERCEL_API_BASE_URL: base,
    }),
    setEnv,
    removeEnv: (key) => void envs.delete(key),
    deploy,
    deployments: () => [...deployments],
    production: () => byId(productionId)!,
    crons: () => structuredClone(crons),
    setCrons,
    requests: () => [...log],
    close: () => closeServer(server),
  };
}
