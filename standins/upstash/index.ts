// Local stand-in for Upstash Redis's REST API, for tests and `tatu launch --rehearse`. Upstash
// REST is Redis commands as JSON over HTTPS, so this one forwards each command to a real Redis
// (the one the tests use) and answers in Upstash's envelope:
//   POST /            body ["INCR","k"]              → {"result":1}
//   POST /pipeline    body [["INCR","k"],["GET","k"]] → [{"result":1},{"result":"1"}]
//   POST /multi-exec  the same, in one MULTI/EXEC transaction
// Errors: 401 {"error":"Unauthorized"} without the bearer token, 400 {"error":"ERR …"} for a
// failing command (a pipeline answers 200 with {"error"} in the failing slot). With the request
// header `Upstash-Encoding: base64` (what @upstash/redis sends) string results are base64.
// Upstash accepts script flags real Redis does not (`#!lua flags=allow-key-locking`, which
// @upstash/ratelimit's scripts carry): the stand-in drops them before Redis sees the script and
// keeps answering EVALSHA by the SHA1 of the script as the client sent it, as Upstash does.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { readBody, sendJson } from "../shared/http.ts";

export interface UpstashStandIn {
  url: string;
  token: string;
  env(): { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };
  /** Commands received (name and argument count only), for assertions. */
  commands(): string[];
  /** While down, every request is answered 503 (an Upstash outage). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

type Command = (string | number)[];

/** Base64 every string in a result (Upstash's `Upstash-Encoding: base64`), recursively in arrays. */
function encode(value: unknown): unknown {
  if (typeof value === "string") return Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map(encode);
  return value;
}

const UPSTASH_ONLY_FLAGS = new Set(["allow-key-locking"]);
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

/** The script without the shebang flags only Upstash knows (and without the shebang when none remain). */
function forRedis(script: string): string {
  const shebang = /^#!lua(?:[ \t]+flags=([^\n]*))?\n/.exec(script);
  if (!shebang) return script;
  const flags = (shebang[1] ?? "")
    .split(",")
    .map((f) => f.trim())
    .filter((f) => f && !UPSTASH_ONLY_FLAGS.has(f));
  return `${flags.length ? `#!lua flags=${flags.join(",")}\n` : "\n"}${script.slice(shebang[0].length)}`;
}

const isCommand = (v: unknown): v is Command =>
  Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === "string" || typeof a === "number");

export async function startUpstashStandIn(
  opts: { redisUrl?: string; token?: string; port?: number } = {},
): Promise<UpstashStandIn> {
  const token = opts.token ?? `up_${randomBytes(18).toString("base64url")}`;
  const redis = new Redis(opts.redisUrl ?? process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  await redis.connect();
  const received: string[] = [];
  let down = false;

  /** Scripts by the SHA1 the client knows them by, as Redis will run them. */
  const scripts = new Map<string, string>();
  const run = async (cmd: Command) => {
    const name = String(cmd[0]).toUpperCase();
    const args = cmd.slice(1).map(String);
    received.push(`${name}/${args.length}`);
    if (name === "EVAL") {
      scripts.set(sha1(args[0]!), forRedis(args[0]!));
      return redis.call("EVAL", forRedis(args[0]!), ...args.slice(1));
    }
    if (name === "EVALSHA") {
      const script = scripts.get(args[0]!.toLowerCase());
      if (!script) throw new Error("NOSCRIPT No matching script. Please use EVAL.");
      return redis.call("EVAL", script, ...args.slice(1));
    }
    if (name === "SCRIPT" && args[0]?.toUpperCase() === "LOAD") {
      scripts.set(sha1(args[1]!), forRedis(args[1]!));
      return sha1(args[1]!);
    }
    return redis.call(String(cmd[0]), ...args);
  };

  const server = http.createServer(async (req, res) => {
    try {
      if (down) return sendJson(res, 503, { error: "Service Unavailable" });
      if (req.headers.authorization !== `Bearer ${token}`) return sendJson(res, 401, { error: "Unauthorized" });
      if (req.method !== "POST") return sendJson(res, 405, { error: "Method Not Allowed" });
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const out = (v: unknown) => (base64 ? encode(v) : v);
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)).toString("utf8"));
      } catch {
        return sendJson(res, 400, { error: "ERR failed to parse command" });
      }
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/pipeline" || path === "/multi-exec") {
        if (!Array.isArray(body) || !body.every(isCommand))
          return sendJson(res, 400, { error: "ERR pipeline body must be an array of commands" });
        if (path === "/multi-exec") {
          const replies = (await redis.multi(body.map((c) => [String(c[0]), ...c.slice(1).map(String)])).exec()) ?? [];
          for (const c of body) received.push(`${String(c[0]).toUpperCase()}/${c.length - 1}`);
          return sendJson(
            res,
            200,
            replies.map(([err, result]) => (err ? { error: err.message } : { result: out(result) })),
          );
        }
        const answers = [];
        for (const c of body)
          answers.push(
            await run(c).then(
              (result) => ({ result: out(result) }),
              (err: Error) => ({ error: err.message }),
            ),
          );
        return sendJson(res, 200, answers);
      }
      if (path !== "/") return sendJson(res, 404, { error: "Not Found" });
      if (!isCommand(body)) return sendJson(res, 400, { error: "ERR command must be a non-empty array" });
      try {
        return sendJson(res, 200, { result: out(await run(body)) });
      } catch (err) {
        return sendJson(res, 400, { error: (err as Error).message });
      }
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: String((err as Error).message) });
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token,
    env: () => ({ UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token }),
    commands: () => [...received],
    setDown: (d) => {
      down = d;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}
