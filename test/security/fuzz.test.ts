// ≥ 10,000 generated malformed requests across every /api route the router lists (auth,
// webhooks, search, availability, bookings, inbox, integrations, attachments, admin, crons),
// sent in parallel batches to one app with Redis and its own database → no 5xx, and every
// 4xx is JSON {error:{code, message}}. Reproduce a failure with FUZZ_SEED=<seed printed>.
import net from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { secretValues } from "../../service/config/load.ts";
import { createApp } from "../../service/http/app.ts";
import { maskSecrets } from "../../service/observability/logger.ts";
import {
  describe as describeRequest,
  fuzzRequest,
  toFetch,
  type FuzzContext,
  type FuzzRequest,
} from "./fuzz-requests.ts";
import { listRoutes } from "./router-walk.ts";
import { startWorld, type World } from "./world.ts";

const TOTAL = Number(process.env.FUZZ_RUNS ?? 10_000);
const PARALLEL = 24;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

let w: World;
beforeAll(async () => {
  w = await startWorld({ env: { WORKER_SYNC_BUDGET_MS: "200" } });
}, 90_000);
afterAll(async () => {
  await w?.close();
});

interface Outcome {
  req: FuzzRequest;
  status: number;
  problem?: string;
}

const connectionRetries: string[] = [];

async function sendOne(req: FuzzRequest, ctx: FuzzContext, attempt = 1): Promise<Outcome> {
  const { url, init } = toFetch(req, ctx);
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = `${(err as Error).message} (${cause?.code ?? ""} ${cause?.message ?? ""})`;
    // A kept-alive socket can be closed under a request by either side's idle timer (any
    // HTTP client retries that once); a crash or hang fails the retry too.
    if (attempt === 1 && (err as Error).name !== "TimeoutError") {
      connectionRetries.push(`${why} ← ${req.method} ${req.route} body=${req.body.kind}`);
      return sendOne(req, ctx, 2);
    }
    return { req, status: 0, problem: `no answer: ${why}` };
  }
  const text = await res.text().catch(() => "");
  if (res.status >= 500) return { req, status: res.status, problem: text.slice(0, 300) };
  if (res.status >= 400 && req.method !== "HEAD") {
    let body: { error?: { code?: unknown; message?: unknown } } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      /* checked below */
    }
    if (typeof body?.error?.code !== "string" || typeof body.error.message !== "string" || !body.error.message)
      return {
        req,
        status: res.status,
        problem: `not a JSON error: ${res.headers.get("content-type")} ${text.slice(0, 200)}`,
      };
  }
  return { req, status: res.status };
}

it(`${TOTAL} malformed requests across every route: no 5xx, every 4xx a JSON error with a message`, async () => {
  const routes = listRoutes(createApp(w.app.ctx)).filter((r) => r.path.startsWith("/api/"));
  const ctx: FuzzContext = {
    ids: w.ids,
    config: w.config,
    publicUrl: w.app.url,
    session: {
      cookie: `tatu_session=${w.a.client.cookie("tatu_session")}; tatu_csrf=${w.a.client.csrf}`,
      csrf: w.a.client.csrf!,
    },
  };
  const requests = fc.sample(fuzzRequest(routes, ctx), { numRuns: TOTAL, seed: SEED });
  const outcomes: Outcome[] = [];
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < requests.length) outcomes.push(await sendOne(requests[next++]!, ctx));
    }),
  );
  const seconds = (Date.now() - started) / 1000;

  const byStatus = new Map<number, number>();
  const perRoute = new Map<string, number>();
  for (const o of outcomes) {
    byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
    perRoute.set(o.req.route, (perRoute.get(o.req.route) ?? 0) + 1);
  }
  const secrets = secretValues(w.config);
  const failures = outcomes
    .filter((o) => o.problem)
    .map((o) => maskSecrets(`${o.status} ${o.problem} ← ${describeRequest(o.req)}`, secrets));
  console.log(
    `fuzz seed=${SEED}: ${outcomes.length} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}; connection retries ${JSON.stringify(connectionRetries)}`,
  );

  expect(outcomes.length).toBe(TOTAL);
  expect(TOTAL).toBeGreaterThanOrEqual(Number(process.env.FUZZ_RUNS ? 1 : 10_000));
  expect(failures.slice(0, 10), `${failures.length} bad answers (FUZZ_SEED=${SEED})`).toEqual([]);
  expect(connectionRetries.length, "connections dropped under a request").toBeLessThanOrEqual(Math.ceil(TOTAL / 1000));
  // Every route was exercised, and not only its front door: some requests got past validation.
  for (const r of routes)
    expect(perRoute.get(`${r.method} ${r.path}`) ?? 0, `${r.method} ${r.path}`).toBeGreaterThanOrEqual(
      Math.floor(TOTAL / routes.length / 4),
    );
  expect([...byStatus.keys()].filter((s) => s >= 200 && s < 300).length).toBeGreaterThan(0);
  // The app is still healthy afterwards.
  expect((await w.app.client().get("/api/health/ready")).status).toBe(200);
}, 240_000);

// Found by this fuzz (seed 341663971): a calendar deleted while "sync now" ran answered 500.
it("a calendar disconnected while it syncs answers 404 or 409, never 500", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const merchant = w.standIns.square.addMerchant();
    const connected = await w.a.client.post("/api/calendars/square/connect", { accessToken: merchant.token });
    expect(connected.status).toBe(201);
    const id = connected.body.items[0].id as string;
    const [sync, removed] = await Promise.all([
      w.a.client.post(`/api/calendars/${id}/sync`, {}),
      new Promise((r) => setTimeout(r, i * 3)).then(() => w.a.client.delete(`/api/calendars/${id}`)),
    ]);
    expect(removed.status).toBe(200);
    expect([200, 404, 409], sync.text).toContain(sync.status);
    statuses.push(sync.status);
  }
  expect(statuses).toHaveLength(8);
}, 60_000);

// Found by this fuzz: requests Node's parser refuses (URL/headers over 16 KB, garbage request
// lines) got Node's bare status line with no body; now the API's JSON error.
it("requests the HTTP parser refuses still get a JSON error", async () => {
  const long = await fetch(`${w.app.url}/api/artists?q=${"q".repeat(20_000)}`);
  expect(long.status).toBe(431);
  expect((await long.json()).error).toMatchObject({ code: "HEADERS_TOO_LARGE", message: expect.any(String) });
  const { port } = new URL(w.app.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1", () =>
      socket.write("GARBAGE /api/health HTTP/9.9\r\n\0\r\n\r\n"),
    );
    let out = "";
    socket.on("data", (d) => {
      out += String(d);
    });
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
  });
  expect(raw).toMatch(/^HTTP\/1\.1 400 /);
  expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4)).error.code).toBe("MALFORMED_REQUEST");
});
