// PostgreSQL crashes (`pg_ctl stop -m immediate` on a PRIVATE cluster started by this test, so
// the machine's shared server is never touched) while signed-in users browse and new users sign
// up. Every request during the outage is answered quickly with a 503, a message and Retry-After
// (never a 500, never a hang), readiness reports the database down, and once PostgreSQL is back
// the same service process serves requests again — no restart.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import type { HttpClient } from "../helpers/http.ts";
import { privatePostgres, type PrivatePostgres } from "./helpers/postgres.ts";
import { poll } from "./helpers/scenario.ts";
import { removeDataDir, sharedEnv } from "./helpers/secrets.ts";

/** Bound on any answer, outage or not (the pool's connect timeout is 5 s; a refused connection is immediate). */
const MAX_ANSWER_MS = 5_000;

interface Answer {
  kind: "inbox" | "signup";
  at: number;
  status: number;
  ms: number;
  retryAfter: string | null;
  body: any;
}

const shared = sharedEnv();
let pg: PrivatePostgres;
let app: TestApp;
let users: HttpClient[] = [];

beforeAll(async () => {
  pg = await privatePostgres();
  app = await startTestApp({ databaseUrl: pg.url, env: shared });
  users = [];
  for (let i = 0; i < 3; i++) users.push((await signedInUser(app)).client);
});

afterAll(async () => {
  await app?.close();
  await pg?.close();
  removeDataDir(shared);
});

async function request(kind: Answer["kind"], client: HttpClient): Promise<Answer> {
  const start = Date.now();
  const signal = AbortSignal.timeout(30_000);
  try {
    const res =
      kind === "inbox"
        ? await fetch(`${app.url}/api/inbox/conversations`, {
            headers: { cookie: `tatu_session=${client.cookie("tatu_session")}` },
            signal,
          })
        : await fetch(`${app.url}/api/auth/signup`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            signal,
            body: JSON.stringify({
              email: `pg-chaos-${randomBytes(5).toString("hex")}@example.test`,
              password: PASSWORD,
              name: "Chaos",
              role: "customer",
            }),
          });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return {
      kind,
      at: start,
      status: res.status,
      ms: Date.now() - start,
      retryAfter: res.headers.get("retry-after"),
      body,
    };
  } catch (err) {
    return { kind, at: start, status: 0, ms: Date.now() - start, retryAfter: null, body: (err as Error).message };
  }
}

/** Lanes of signed-in inbox reads (session + query: both need the database) and signups until stop(). */
function startLoad() {
  const answers: Answer[] = [];
  let stopped = false;
  const lane = async (kind: Answer["kind"], client: HttpClient) => {
    while (!stopped) {
      answers.push(await request(kind, client));
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const lanes = Promise.all([...users.map((u) => lane("inbox", u)), lane("signup", users[0]!)]);
  return {
    answers,
    stop: async () => {
      stopped = true;
      await lanes;
      return answers;
    },
  };
}

const describeAnswer = (a: Answer) => `${a.kind} → ${a.status} in ${a.ms} ms: ${JSON.stringify(a.body).slice(0, 200)}`;

describe("PostgreSQL restarted under load", () => {
  it("answers 503 with Retry-After while it is down, never hangs or 500s, and recovers without a restart", async () => {
    const session = users[0]!.cookie("tatu_session");
    expect(session, "the login sets a tatu_session cookie").toBeTruthy();
    const load = startLoad();
    await poll(() => load.answers.length >= 20, { ms: 20_000, what: "some requests before the outage" });
    expect(load.answers.filter((a) => a.status >= 300).map(describeAnswer)).toEqual([]);

    await pg.crash();
    const down = Date.now();
    await poll(async () => (await app.client().get("/api/health/ready")).status === 503, {
      ms: 10_000,
      what: "readiness to report the database down",
    });
    const ready = await app.client().get("/api/health/ready", { authorization: `Bearer ${app.ctx.config.cronSecret}` });
    expect(ready.body).toMatchObject({
      status: "not_ready",
      checks: { database: { ok: false, error: expect.any(String) } },
    });
    expect((await app.client().get("/api/health")).status).toBe(200); // liveness: the process is fine
    await new Promise((r) => setTimeout(r, 4000));

    const restarting = Date.now(); // requests answered before this saw only the outage
    await pg.start();
    const up = Date.now();
    // The same process recovers on its own: the pool reconnects on the next request.
    await poll(async () => (await request("inbox", users[1]!)).status === 200, {
      ms: 15_000,
      what: "signed-in requests to succeed again",
    });
    const recoveredMs = Date.now() - up;
    await new Promise((r) => setTimeout(r, 1000));
    const answers = await load.stop();

    const outage = answers.filter((a) => a.at >= down && a.at + a.ms <= restarting);
    expect(outage.length, "requests were answered while the database was down").toBeGreaterThan(5);
    for (const a of outage) {
      expect(a.status, describeAnswer(a)).toBe(503);
      expect(a.retryAfter, describeAnswer(a)).toMatch(/^\d+$/);
      expect(a.body?.error?.message, describeAnswer(a)).toEqual(expect.any(String));
    }
    expect(answers.filter((a) => a.status >= 500 && a.status !== 503).map(describeAnswer)).toEqual([]);
    expect(answers.filter((a) => a.status === 0 || a.ms > MAX_ANSWER_MS).map(describeAnswer)).toEqual([]);
    expect(recoveredMs).toBeLessThan(15_000);

    // After the restart everything works again, sessions included.
    const after = await Promise.all([...users.map((u) => request("inbox", u)), request("signup", users[0]!)]);
    expect(after.map((a) => a.status)).toEqual([200, 200, 200, 201]);
    expect((await app.client().get("/api/health/ready")).status).toBe(200);
  });
});
