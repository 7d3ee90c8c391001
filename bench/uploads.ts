// Upload memory benchmark: 20 parallel 100 MB multipart posts against the real service running
// alone in a child process; reports the server's peak RSS growth over its idle RSS (sampled from
// /proc/<pid>/status every 20 ms) per scenario. Speed is printed for context, never asserted.
// Exits non-zero only when a scenario answered something other than what it expects.
//
//   npm run bench:uploads                  # 20 posts x 100 MB per scenario
//   BENCH_UPLOADS=10 BENCH_UPLOAD_MB=50 npm run bench:uploads
//   BENCH_EXPECT=any npm run bench:uploads # measure code whose answers differ (e.g. before the fix)
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { redactUrl, scratchDatabase } from "./lib/database.ts";
import { benchDir, writeSummaryLine } from "./lib/results.ts";

const MB = 1024 * 1024;
const PARALLEL = Number(process.env.BENCH_UPLOADS ?? 20);
const UPLOAD_MB = Number(process.env.BENCH_UPLOAD_MB ?? 100);
const FILES = 5; // 100 MB as 5 x 20 MB: each file under the per-file cap, only the total is too big
const ACCEPTED_MB = 20; // one reference under the 25 MB request cap
const anyStatus = process.env.BENCH_EXPECT === "any";
const here = path.dirname(fileURLToPath(import.meta.url));

// ------------------------------------------------------------------ the server, alone

async function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(path.join(here, "lib/upload-server.ts"), {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`the server exited early (${code})`)));
  });
  return { url, child };
}

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

// ------------------------------------------------------------------ a browser-like session

interface Session {
  cookie: string;
  csrf: string;
  userId: string;
}

async function json(url: string, init: RequestInit & { session?: Session } = {}) {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...(init.session ? { cookie: init.session.cookie, "x-csrf-token": init.session.csrf } : {}),
  };
  const res = await fetch(url, { ...init, headers });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as any, cookies: res.headers.getSetCookie() };
}

async function user(base: string, role: "artist" | "customer", tag: string): Promise<Session> {
  const email = `bench-${tag}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}@example.test`;
  const password = "bench-password-9";
  const signup = await json(`${base}/api/auth/signup`, {
    method: "POST",
    body: JSON.stringify({ email, password, name: `Bench ${tag}`, role }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status}`);
  const outbox = await json(`${base}/api/dev/outbox?to=${encodeURIComponent(email)}`);
  const link: string = outbox.body.emails[0].links.find((l: string) => l.includes("verify-email"));
  await fetch(`${base}/api/auth/verify-email?token=${new URL(link).searchParams.get("token")}`);
  const login = await json(`${base}/api/auth/login`, { method: "POST", body: JSON.stringify({ email, password }) });
  const jar = Object.fromEntries(login.cookies.map((c) => c.split(";")[0]!.split("=") as [string, string]));
  return {
    cookie: Object.entries(jar)
      .map(([k, v]) => `${k}=${v}`)
      .join("; "),
    csrf: jar.tatu_csrf ?? jar["__Host-tatu_csrf"] ?? "",
    userId: signup.body.userId,
  };
}

// ------------------------------------------------------------------ streamed multipart posts

type Part = { name: string; value: string } | { name: string; filename: string; bytes: number };

/** Posts a form whose files are generated 64 KB chunks (the client never holds a file). */
function post(base: string, urlPath: string, s: Session, parts: Part[], declareLength: boolean): Promise<number> {
  const boundary = `----bench${Math.random().toString(16).slice(2)}`;
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const segs: (Buffer | number)[] = [];
  for (const p of parts) {
    segs.push(
      Buffer.from(
        "bytes" in p
          ? `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: image/png\r\n\r\n`
          : `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}`,
      ),
    );
    if ("bytes" in p) segs.push(p.bytes);
    segs.push(Buffer.from("\r\n"));
  }
  segs.push(Buffer.from(`--${boundary}--\r\n`));
  const total = segs.reduce<number>((n, x) => n + (typeof x === "number" ? x : x.length), 0);
  const url = new URL(base + urlPath);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "POST",
      headers: {
        "content-type": `multipart/form-data; boundary=${boundary}`,
        cookie: s.cookie,
        "x-csrf-token": s.csrf,
        ...(declareLength ? { "content-length": String(total) } : {}),
      },
    });
    req.on("response", (res) => {
      answered = true;
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    const write = (b: Buffer) =>
      new Promise<void>((ok) => {
        if (req.write(b)) return ok();
        const go = () => {
          req.off("drain", go);
          req.off("response", go);
          req.off("close", go);
          ok();
        };
        req.on("drain", go).on("response", go).on("close", go);
      });
    void (async () => {
      for (const x of segs) {
        if (answered || req.destroyed) return;
        if (typeof x !== "number") {
          await write(x);
          continue;
        }
        for (let left = x; left > 0 && !answered && !req.destroyed; left -= chunk.length)
          await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
      }
      if (!answered && !req.destroyed) req.end();
    })();
  });
}

// ------------------------------------------------------------------ scenarios

interface Scenario {
  name: string;
  expect: number;
  run: () => Promise<number[]>;
}
interface Row {
  name: string;
  statuses: string;
  ok: boolean;
  idleMb: number;
  peakGrowthMb: number;
  seconds: number;
}

async function measure(pid: number, s: Scenario): Promise<Row> {
  global.gc?.();
  await new Promise((r) => setTimeout(r, 1000)); // let the previous scenario's garbage settle
  const idle = rssOf(pid);
  let peak = idle;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      /* exited */
    }
  }, 20);
  const started = performance.now();
  const statuses = await s.run();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  const counts = new Map<number, number>();
  for (const st of statuses) counts.set(st, (counts.get(st) ?? 0) + 1);
  return {
    name: s.name,
    statuses: [...counts].map(([k, v]) => `${v}x${k}`).join(" "),
    ok: anyStatus || statuses.every((st) => st === s.expect),
    idleMb: Math.round(idle / MB),
    peakGrowthMb: Math.round((peak - idle) / MB),
    seconds: Math.round(seconds * 10) / 10,
  };
}

async function main() {
  const db = await scratchDatabase("uploads");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-bench-uploads-"));
  console.log(
    `bench:uploads — ${PARALLEL} parallel posts of ${UPLOAD_MB} MB per scenario; database ${redactUrl(db.url)}`,
  );
  const serverEnv = {
    NODE_ENV: "development",
    DATABASE_URL: db.url,
    TATU_DATA_DIR: dataDir,
    TATU_SCHEDULER: "off",
    IN_PROCESS_WORKER: "off",
    DEV_OUTBOX: "true",
    RATE_LIMIT_SIGNUP: "100000/1m",
    LOG_LEVEL: "silent",
  };
  let { url, child } = await startServer(serverEnv);
  try {
    const owner = await user(url, "artist", "owner");
    const stranger = await user(url, "artist", "stranger");
    const artist = await user(url, "artist", "artist");
    const customers: Session[] = [];
    for (let i = 0; i < PARALLEL; i++) customers.push(await user(url, "customer", `c${i}`));
    // The owner's conversation (through the database: no provider needed to receive a post).
    const pg = (await import("pg")).default;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    let conv;
    try {
      const acc = await c.query(
        `INSERT INTO "ConnectedAccount" (id, "userId", provider, "externalId", address, credentials, scopes, "updatedAt") VALUES (gen_random_uuid(), $1, 'gmail', 'bench', 'bench@gmail.test', 'v1.x', '{}', now()) RETURNING id`,
        [owner.userId],
      );
      conv = await c.query(
        `INSERT INTO "Conversation" (id, "userId", "accountId", channel, "threadKey", "lastMessageAt") VALUES (gen_random_uuid(), $1, $2, 'gmail', 'bench', now()) RETURNING id`,
        [owner.userId, acc.rows[0].id],
      );
      await c.query(
        `INSERT INTO "ArtistProfile" ("userId", "displayName", "timeZone", "updatedAt") VALUES ($1, 'Bench Ink', 'UTC', now())`,
        [artist.userId],
      );
    } finally {
      await c.end();
    }
    const conversation = conv.rows[0].id as string;

    const fields: Part[] = [
      { name: "artistId", value: artist.userId },
      { name: "idea", value: "Koi sleeve" },
      { name: "placement", value: "arm" },
      { name: "size", value: "sleeve" },
    ];
    const bigFiles = (): Part[] =>
      Array.from({ length: FILES }, (_, i) => ({
        name: "files",
        filename: `ref-${i}.png`,
        bytes: (UPLOAD_MB * MB) / FILES,
      }));
    const all = (f: (i: number) => Promise<number>) => Promise.all(Array.from({ length: PARALLEL }, (_, i) => f(i)));
    const scenarios: Scenario[] = [
      {
        name: `stranger's ${UPLOAD_MB} MB reply to someone else's conversation`,
        expect: 404,
        run: () =>
          all(() =>
            post(
              url,
              `/api/inbox/conversations/${conversation}/reply`,
              stranger,
              [{ name: "text", value: "hi" }, ...bigFiles()],
              true,
            ),
          ),
      },
      {
        name: `${UPLOAD_MB} MB booking request, Content-Length declared`,
        expect: 413,
        run: () => all((i) => post(url, "/api/bookings/requests", customers[i]!, [...fields, ...bigFiles()], true)),
      },
      {
        name: `${UPLOAD_MB} MB booking request, chunked (no length)`,
        expect: 413,
        run: () => all((i) => post(url, "/api/bookings/requests", customers[i]!, [...fields, ...bigFiles()], false)),
      },
      {
        name: `${ACCEPTED_MB} MB booking request (accepted)`,
        expect: 201,
        run: () =>
          all((i) =>
            post(
              url,
              "/api/bookings/requests",
              customers[i]!,
              [...fields, { name: "files", filename: "ok.png", bytes: ACCEPTED_MB * MB }],
              true,
            ),
          ),
      },
    ];
    const rows: Row[] = [];
    for (const s of scenarios) {
      // A fresh server per scenario: memory a scenario grew stays with the process (V8, malloc),
      // and would hide the next scenario's growth. The URL (port) is the same for all.
      child.send("close");
      await new Promise((r) => child.once("exit", r));
      ({ url, child } = await startServer({ ...serverEnv, BENCH_PORT: new URL(url).port }));
      const row = await measure(child.pid!, s);
      rows.push(row);
      console.log(
        `  ${row.ok ? "ok " : "BAD"} ${row.name}: ${row.statuses} · server RSS idle ${row.idleMb} MB, peak growth +${row.peakGrowthMb} MB · ${row.seconds} s`,
      );
    }
    const table = [
      "| Scenario | Answers | Server RSS idle | Peak RSS growth | Wall time |",
      "| --- | --- | --- | --- | --- |",
      ...rows.map((r) => `| ${r.name} | ${r.statuses} | ${r.idleMb} MB | +${r.peakGrowthMb} MB | ${r.seconds} s |`),
    ].join("\n");
    fs.writeFileSync(
      path.join(benchDir, "RESULTS-uploads.md"),
      `# Upload memory (bench/uploads.ts)\n\n${PARALLEL} parallel posts per scenario, ${os.cpus().length} CPUs, ${new Date().toISOString()}.\n\n${table}\n`,
    );
    const worst = Math.max(...rows.map((r) => r.peakGrowthMb));
    writeSummaryLine(
      "uploads-bench",
      `- Uploads: ${PARALLEL} parallel ${UPLOAD_MB} MB posts, worst server peak RSS growth +${worst} MB ([details](RESULTS-uploads.md))`,
    );
    if (rows.some((r) => !r.ok)) process.exitCode = 1;
  } finally {
    child.send("close");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(dataDir, { recursive: true, force: true });
    await db.drop();
  }
}

main().catch((err) => {
  console.error(`bench:uploads failed: ${(err as Error).message}`);
  process.exit(1);
});
