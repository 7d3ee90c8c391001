// Artist search benchmark: a 25 km radius query over 100,000 visible artists, through the
// partial GiST index "ArtistProfile_public_point" (earth_box pre-filter + exact earth_distance)
// vs the brute-force scan (the very same statement without the earth_box condition, i.e.
// earth_distance over every visible row), on the same data, same centres, same run. Also the
// in-process searchArtists() (Prisma) and the HTTP route GET /api/artists.
//
// Targets: index ≥ 20× faster than the scan, index p95 ≤ 20 ms. Speed is never asserted: exit 0
// when every check passed (whatever the speed), 1 when a check broke (index and scan disagree, a
// request was not 200, …), 2 on setup failure, 3 when the run overran BENCH_SEARCH_BUDGET_SEC.
// Writes bench/RESULTS-search.md and one line in bench/RESULTS.md (see bench/README.md).
//
//   npm run bench:search                                      # ~4 min on 2 cores (the scan row dominates)
//   BENCH_SEARCH_ARTISTS=20000 BENCH_SEARCH_QUERIES=100 npm run bench:search   # quick smoke run
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { boot, type Booted } from "../service/boot.ts";
import { searchQuery } from "../service/artists/schemas.ts";
import { buildSearchSql, searchArtists } from "../service/artists/search.ts";
import { ARTIST_STYLES } from "../service/artists/styles.ts";
import { loadConfig } from "../service/config/load.ts";
import { createLogger } from "../service/observability/logger.ts";
import { startHttpServer } from "../service/server.ts";
import { fmtInt, fmtMs, intEnv, markdownTable, now, percentile, textTable } from "./inbox-common.ts";
import { mulberry32 } from "./lib/random.ts";
import { scratchDatabase } from "./lib/database.ts";
import { benchRun } from "./lib/run.ts";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const settings = {
  artists: intEnv("BENCH_SEARCH_ARTISTS", 100_000, 1_000),
  queries: intEnv("BENCH_SEARCH_QUERIES", 250, 10),
  warmup: intEnv("BENCH_SEARCH_WARMUP", 30, 0),
  radiusKm: intEnv("BENCH_SEARCH_RADIUS_KM", 25, 1),
  checks: intEnv("BENCH_SEARCH_CHECKS", 60, 1),
  seed: intEnv("BENCH_SEARCH_SEED", 7, 0),
  budgetSec: intEnv("BENCH_SEARCH_BUDGET_SEC", 900, 60),
  keepDb: process.env.BENCH_SEARCH_KEEP_DB === "1",
};
const TARGET_RATIO = 20;
const TARGET_P95_MS = 20;
const LIMIT = 20; // the route's default page size
const LINK_MARK = "<!-- search-bench (one line, written by bench/search.ts) -->";

const log = (line: string) => console.log(`bench:search: ${line}`);

// ---------------------------------------------------------------- cleanup + time bound

const { onCleanup, cleanup, abort } = benchRun({
  label: "bench:search",
  budgetSec: settings.budgetSec,
  budgetEnv: "BENCH_SEARCH_BUDGET_SEC",
});

// ---------------------------------------------------------------- data

/** Metro areas (Europe + US): relative weight ~ population, sigma = spread in degrees. */
const CITIES: [name: string, country: string, lat: number, lng: number, weight: number, sigma: number][] = [
  ["London", "GB", 51.507, -0.128, 9, 0.2],
  ["Paris", "FR", 48.857, 2.352, 10, 0.2],
  ["Berlin", "DE", 52.52, 13.405, 5, 0.15],
  ["Madrid", "ES", 40.417, -3.704, 6, 0.18],
  ["Barcelona", "ES", 41.385, 2.173, 5, 0.12],
  ["Rome", "IT", 41.903, 12.496, 4, 0.15],
  ["Milan", "IT", 45.464, 9.19, 4, 0.15],
  ["Amsterdam", "NL", 52.368, 4.904, 3, 0.12],
  ["Brussels", "BE", 50.85, 4.352, 2, 0.1],
  ["Vienna", "AT", 48.208, 16.373, 2, 0.1],
  ["Prague", "CZ", 50.075, 14.438, 2, 0.1],
  ["Warsaw", "PL", 52.23, 21.012, 3, 0.12],
  ["Munich", "DE", 48.137, 11.576, 3, 0.12],
  ["Hamburg", "DE", 53.551, 9.994, 2, 0.12],
  ["Stockholm", "SE", 59.329, 18.069, 2, 0.12],
  ["Copenhagen", "DK", 55.676, 12.568, 2, 0.1],
  ["Lisbon", "PT", 38.722, -9.139, 3, 0.12],
  ["Dublin", "IE", 53.35, -6.26, 2, 0.1],
  ["Manchester", "GB", 53.48, -2.242, 3, 0.15],
  ["Athens", "GR", 37.984, 23.728, 3, 0.12],
  ["New York", "US", 40.713, -74.006, 19, 0.3],
  ["Los Angeles", "US", 34.052, -118.244, 13, 0.35],
  ["Chicago", "US", 41.878, -87.63, 9, 0.25],
  ["Houston", "US", 29.76, -95.37, 7, 0.3],
  ["Phoenix", "US", 33.448, -112.074, 5, 0.25],
  ["Philadelphia", "US", 39.953, -75.165, 6, 0.2],
  ["Dallas", "US", 32.777, -96.797, 7, 0.3],
  ["San Diego", "US", 32.716, -117.161, 3, 0.2],
  ["Austin", "US", 30.267, -97.743, 2, 0.15],
  ["Seattle", "US", 47.606, -122.332, 4, 0.2],
  ["San Francisco", "US", 37.775, -122.419, 6, 0.3],
  ["Denver", "US", 39.739, -104.99, 3, 0.2],
  ["Miami", "US", 25.762, -80.192, 6, 0.25],
  ["Atlanta", "US", 33.749, -84.388, 6, 0.3],
  ["Boston", "US", 42.36, -71.059, 5, 0.2],
  ["Portland", "US", 45.515, -122.679, 2, 0.15],
  ["Las Vegas", "US", 36.17, -115.14, 2, 0.12],
  ["Nashville", "US", 36.163, -86.781, 2, 0.15],
  ["Detroit", "US", 42.331, -83.046, 4, 0.25],
  ["Minneapolis", "US", 44.978, -93.265, 3, 0.2],
];
const RURAL = [
  { minLat: 36, maxLat: 60, minLng: -10, maxLng: 30 },
  { minLat: 30, maxLat: 48, minLng: -123, maxLng: -70 },
];

/**
 * Set-based: one INSERT … SELECT per table. settings.artists visible artists of verified
 * accounts (88 % around a metro area with Gaussian jitter, 12 % scattered over the Europe/US
 * boxes), plus 5 % hidden profiles and 3 % visible ones of unverified accounts that the
 * search must skip.
 */
async function seed(pool: pg.Pool): Promise<void> {
  const n = settings.artists;
  const total = Math.round(n * 1.08);
  const c = await pool.connect();
  try {
    await c.query("SELECT setseed($1)", [(settings.seed % 1000) / 1000]);
    await c.query(
      `CREATE TEMP TABLE bench_city (name text, country text, lat float8, lng float8, weight int, sigma float8)`,
    );
    await c.query(
      `INSERT INTO bench_city SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::int[], $6::float8[])`,
      [0, 1, 2, 3, 4, 5].map((i) => CITIES.map((city) => city[i])),
    );
    await c.query(
      `CREATE TEMP TABLE bench_slot AS SELECT (row_number() OVER () - 1)::int AS slot, c.* FROM bench_city c, generate_series(1, c.weight)`,
    );
    const slots = (await c.query(`SELECT count(*)::int AS n FROM bench_slot`)).rows[0].n as number;
    await c.query(
      `CREATE TEMP TABLE bench_artist AS
       WITH r AS MATERIALIZED (
         SELECT g, gen_random_uuid() AS id, floor(random() * $2)::int AS slot, random() AS u0, random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5
         FROM generate_series(1, $1::int) g)
       SELECT r.g, r.id,
         CASE WHEN r.u0 < 0.88 THEN s.lat + s.sigma * sqrt(-2 * ln(1 - r.u1)) * cos(2 * pi() * r.u2)
              WHEN r.u5 < 0.5 THEN 36 + 24 * r.u1 ELSE 30 + 18 * r.u1 END AS lat,
         CASE WHEN r.u0 < 0.88 THEN s.lng + s.sigma * sqrt(-2 * ln(1 - r.u3)) * sin(2 * pi() * r.u4) / cos(radians(s.lat))
              WHEN r.u5 < 0.5 THEN -10 + 40 * r.u3 ELSE -123 + 53 * r.u3 END AS lng,
         CASE WHEN r.u0 < 0.88 THEN s.name END AS city, CASE WHEN r.u0 < 0.88 THEN s.country WHEN r.u5 < 0.5 THEN 'EU' ELSE 'US' END AS country
       FROM r JOIN bench_slot s ON s.slot = r.slot`,
      [total, slots],
    );
    await c.query(
      `INSERT INTO "User" (id, email, name, role, "passwordHash", "emailVerifiedAt", "updatedAt")
       SELECT id, 'bench-artist-' || g || '@example.test', 'Artist ' || g, 'artist', 'not-a-password-hash',
              CASE WHEN g <= $1::int * 1.05 THEN now() END, now()
       FROM bench_artist`,
      [n],
    );
    await c.query(
      `INSERT INTO "ArtistProfile" ("userId", "displayName", studio, styles, city, country, lat, lng, "publicLat", "publicLng", visible, "updatedAt")
       SELECT id, 'Artist ' || g, (ARRAY['Iron', 'Rose', 'Anchor', 'Lotus', 'Crow'])[1 + g % 5] || ' Tattoo',
              ARRAY(SELECT st FROM unnest($2::text[]) st WHERE random() < 0.15 + 0 * g), city, country, lat, lng,
              round(lat::numeric, 2)::float8, round(lng::numeric, 2)::float8, NOT (g > $1::int AND g <= $1::int * 1.05), now()
       FROM bench_artist`,
      [n, ARTIST_STYLES],
    );
  } finally {
    c.release();
  }
  await pool.query(`VACUUM ANALYZE "User"`);
  await pool.query(`VACUUM ANALYZE "ArtistProfile"`);
}

/** Where people search from: 80 % inside a metro area (weighted like the artists), 20 % anywhere in the two regions. */
function centres(count: number): { lat: number; lng: number }[] {
  const rnd = mulberry32(settings.seed + 1);
  const weights = CITIES.reduce((s, c) => s + c[4], 0);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return Array.from({ length: count }, () => {
    if (rnd() < 0.8) {
      let w = rnd() * weights;
      const city = CITIES.find((c) => (w -= c[4]) < 0) ?? CITIES[0]!;
      return {
        lat: +(city[2] + gauss() * city[5]).toFixed(5),
        lng: +(city[3] + (gauss() * city[5]) / Math.cos((city[2] * Math.PI) / 180)).toFixed(5),
      };
    }
    const box = RURAL[rnd() < 0.5 ? 0 : 1]!;
    return {
      lat: +(box.minLat + rnd() * (box.maxLat - box.minLat)).toFixed(5),
      lng: +(box.minLng + rnd() * (box.maxLng - box.minLng)).toFixed(5),
    };
  });
}

// ---------------------------------------------------------------- setup helpers

/** A migrated scratch database, dropped at the end unless BENCH_SEARCH_KEEP_DB=1. */
async function createDatabase(): Promise<string> {
  log("creating and migrating a scratch database (prisma migrate deploy)…");
  const db = await scratchDatabase("search").catch((err: Error) => abort(err.message, 2));
  if (settings.keepDb) log(`BENCH_SEARCH_KEEP_DB=1: database "${db.name}" is kept (drop it yourself)`);
  else onCleanup("drop database", db.drop);
  return db.url;
}

/** The real app on a loopback port (service/http/app.ts mounts the artist routes). */
async function startServer(booted: Booted): Promise<{ url: string }> {
  const real = await startHttpServer(booted.ctx, 0, "127.0.0.1");
  onCleanup("close Tatu http", () => real.close());
  return { url: real.url };
}

// ---------------------------------------------------------------- measurement

interface Row {
  name: string;
  what: string;
  samples: number[];
}

const query = (c: { lat: number; lng: number }) =>
  searchQuery.parse({
    lat: String(c.lat),
    lng: String(c.lng),
    radiusKm: String(settings.radiusKm),
    limit: String(LIMIT),
  });

async function main() {
  const started = new Date();
  const loadAtStart = os.loadavg()[0]!;
  const problems: string[] = [];
  const check = (ok: unknown, what: string) => {
    if (!ok && problems.length < 20) problems.push(what);
  };

  const databaseUrl = await createDatabase();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  onCleanup("close pg pool", () => pool.end());
  let t0 = now();
  await seed(pool).catch((err) => abort(`seeding failed: ${(err as Error).message}`, 2));
  const seedSec = (now() - t0) / 1000;
  const counts = (
    await pool.query(
      `SELECT count(*) FILTER (WHERE a.visible AND u."emailVerifiedAt" IS NOT NULL)::int AS searchable, count(*)::int AS total FROM "ArtistProfile" a JOIN "User" u ON u.id = a."userId"`,
    )
  ).rows[0] as { searchable: number; total: number };
  log(
    `seeded ${fmtInt(counts.total)} profiles (${fmtInt(counts.searchable)} visible + verified) in ${seedSec.toFixed(1)} s`,
  );

  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: databaseUrl,
    TATU_SCHEDULER: "off",
    LOG_LEVEL: "silent",
    RATE_LIMIT_SEARCH: "1000000/1m",
    TATU_DATA_DIR: path.join(os.tmpdir(), `tatu-bench-search-${process.pid}`),
  });
  const booted = await boot({ config, log: createLogger({ level: "silent" }) }).catch((err) =>
    abort(`boot failed: ${(err as Error).message}`, 2),
  );
  onCleanup("stop Tatu", () => booted.close());
  const server = await startServer(booted);

  const all = centres(settings.warmup + settings.queries);
  const indexed = (c: { lat: number; lng: number }) => buildSearchSql(query(c)).sql;
  const boxed = (c: { lat: number; lng: number }) => buildSearchSql(query(c), { strategy: "box" }).sql;
  const scan = (c: { lat: number; lng: number }) => buildSearchSql(query(c), { strategy: "scan" }).sql;
  const run = (sql: { text: string; values: unknown[] }) => pool.query(sql.text, sql.values);

  // The plan: the index must actually be used by the radius query (and not by the scan).
  const centre0 = all[0]!;
  const planOf = async (sql: { text: string; values: unknown[] }) =>
    JSON.stringify((await pool.query(`EXPLAIN (FORMAT JSON) ${sql.text}`, sql.values)).rows[0]);
  const indexPlanUses = (await planOf(indexed(centre0))).includes("ArtistProfile_public_point");
  const scanPlanUses = (await planOf(scan(centre0))).includes("ArtistProfile_public_point");
  check(indexPlanUses, "the radius query's plan does not use ArtistProfile_public_point");
  const explain = (
    await pool.query(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${indexed(centre0).text}`,
      indexed(centre0).values,
    )
  ).rows.map((r) => r["QUERY PLAN"] as string);

  // Correctness before speed: index = scan = in-process = HTTP, on the first centres.
  const found: number[] = [];
  for (const c of all.slice(0, settings.checks)) {
    const a = (await run(indexed(c))).rows.map((r) => r.id as string);
    const b = (await run(scan(c))).rows.map((r) => r.id as string);
    const x = (await run(boxed(c))).rows.map((r) => r.id as string);
    check(JSON.stringify(a) === JSON.stringify(b), `index and scan disagree at ${c.lat},${c.lng}`);
    check(JSON.stringify(x) === JSON.stringify(b), `box and scan disagree at ${c.lat},${c.lng}`);
    const viaPrisma = (await searchArtists(booted.ctx, query(c))).items.map((i) => i.id);
    check(
      JSON.stringify(viaPrisma) === JSON.stringify(a.slice(0, LIMIT)),
      `searchArtists disagrees with the SQL at ${c.lat},${c.lng}`,
    );
    const res = await fetch(`${server.url}/api/artists?lat=${c.lat}&lng=${c.lng}&radiusKm=${settings.radiusKm}`);
    const body = (await res.json()) as { items?: { id: string }[] };
    check(
      res.status === 200 && JSON.stringify(body.items?.map((i) => i.id)) === JSON.stringify(a.slice(0, LIMIT)),
      `HTTP result differs at ${c.lat},${c.lng} (status ${res.status})`,
    );
  }
  for (const c of all.slice(settings.warmup)) {
    // The same statement without a page limit: how many artists a radius search has to rank.
    const sql = buildSearchSql({ ...query(c), limit: 10_000_000 }).sql;
    found.push((await pool.query(`SELECT count(*)::int AS n FROM (${sql.text}) t`, sql.values)).rows[0].n - 0);
  }
  log(
    `checks done (${settings.checks} centres, ${problems.length} problem(s)); timing ${settings.queries} queries per row after ${settings.warmup} warm-up…`,
  );

  const rows: Row[] = [
    {
      name: "index (SQL)",
      what: "the shipped statement (pg, one query at a time): GiST KNN walk to the 21st match's distance D, then earth_box(D) ∩ earth_box(r) @> point + earth_distance ≤ r, ORDER BY distance, id LIMIT 21",
      samples: [],
    },
    {
      name: "scan (SQL)",
      what: "the same statement without any earth_box condition: earth_distance over every visible row, sort, LIMIT 21",
      samples: [],
    },
    {
      name: "box + sort (SQL)",
      what: "earth_box(r) @> point (GiST) + earth_distance ≤ r, then sort every match in the radius: the one-step form, for context",
      samples: [],
    },
    {
      name: "searchArtists()",
      what: "the service function in-process (Prisma $queryRaw, row mapping, cursor)",
      samples: [],
    },
    {
      name: "HTTP GET /api/artists",
      what: `lat, lng, radiusKm=${settings.radiusKm}, 20 per page: the real app over 127.0.0.1 (keep-alive fetch), query validation → JSON`,
      samples: [],
    },
  ];
  const fns: Array<(c: { lat: number; lng: number }) => Promise<unknown>> = [
    (c) => run(indexed(c)),
    (c) => run(scan(c)),
    (c) => run(boxed(c)),
    (c) => searchArtists(booted.ctx, query(c)),
    async (c) => {
      const res = await fetch(`${server.url}/api/artists?lat=${c.lat}&lng=${c.lng}&radiusKm=${settings.radiusKm}`);
      await res.arrayBuffer();
      if (res.status !== 200) check(false, `HTTP ${res.status} at ${c.lat},${c.lng}`);
    },
  ];
  t0 = now();
  for (const [i, c] of all.entries()) {
    // Rotate the order per centre so no row always runs right after the heavy scan.
    for (let k = 0; k < fns.length; k++) {
      const j = (i + k) % fns.length;
      const s = now();
      await fns[j]!(c);
      if (i >= settings.warmup) rows[j]!.samples.push(now() - s);
    }
  }
  const timingSec = (now() - t0) / 1000;

  // ---- report
  const p = (r: Row, q: number) => percentile(r.samples, q);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const [idx, scn, , , httpRow] = rows as [Row, Row, Row, Row, Row];
  const ratio50 = p(scn, 50) / p(idx, 50),
    ratio95 = p(scn, 95) / p(idx, 95);
  const met = ratio50 >= TARGET_RATIO && ratio95 >= TARGET_RATIO && p(idx, 95) <= TARGET_P95_MS && indexPlanUses;
  const columns = ["Row", "p50 ms", "p95 ms", "p99 ms", "mean ms", "× index p50", "queries"];
  const table = rows.map((r) => [
    r.name,
    fmtMs(p(r, 50)),
    fmtMs(p(r, 95)),
    fmtMs(p(r, 99)),
    fmtMs(mean(r.samples)),
    `${(p(r, 50) / p(idx, 50)).toFixed(1)}×`,
    String(r.samples.length),
  ]);
  console.log(`\n${textTable(columns, table)}\n`);
  const summary = `scan/index ${ratio50.toFixed(1)}× at p50, ${ratio95.toFixed(1)}× at p95 (target ≥ ${TARGET_RATIO}×); index p95 ${fmtMs(p(idx, 95))} ms (target ≤ ${TARGET_P95_MS} ms); HTTP p95 ${fmtMs(p(httpRow, 95))} ms`;
  console.log(
    `${met ? "target met" : "target MISSED"}: ${summary}${problems.length ? `\nPROBLEMS:\n- ${problems.join("\n- ")}` : ""}\n`,
  );

  const cpus = os.cpus();
  const sortedFound = [...found].sort((a, b) => a - b);
  const md = `# Tatu artist search benchmark results

Generated by \`npm run bench:search\` (\`bench/search.ts\`) — overwritten on every run. Method and knobs: [README.md](README.md#artist-search-benchmark).

- **Status:** ${problems.length ? "BROKEN — see problems below" : "OK (every check passed)"}; target ${met ? "**met**" : "**MISSED**"}
- **Date:** ${started.toISOString()} (run took ${Math.round((Date.now() - started.getTime()) / 1000)} s; seeding ${seedSec.toFixed(1)} s, timing ${timingSec.toFixed(1)} s)
- **Node:** ${process.version} (${process.platform}/${process.arch}); **CPU:** ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown"}; PostgreSQL ${(await pool.query("SHOW server_version")).rows[0].server_version} on 127.0.0.1, server defaults
- **Load average** (1 min) at start / end: ${loadAtStart.toFixed(2)} / ${os.loadavg()[0]!.toFixed(2)}
- **Data:** ${fmtInt(counts.total)} artist profiles, ${fmtInt(counts.searchable)} of them visible with a verified email (the rest hidden or unverified, skipped by the search); ${CITIES.length} metro areas in Europe and the US (Gaussian spread 10–35 km) + 12 % scattered over both regions; set-based SQL, then \`VACUUM ANALYZE\`
- **Queries:** ${settings.queries} centres per row (+ ${settings.warmup} warm-up), 80 % inside metro areas, 20 % anywhere in the regions; radius ${settings.radiusKm} km, first page of ${LIMIT}; artists within the radius per query: median ${fmtInt(percentile(sortedFound, 50))}, p95 ${fmtInt(percentile(sortedFound, 95))}, max ${fmtInt(sortedFound[sortedFound.length - 1] ?? 0)}, none for ${found.filter((x) => x === 0).length}
- **Route:** the real service (GET /api/artists through every middleware)

${markdownTable(columns, table)}

**Result:** ${met ? "✅" : "❌"} ${summary}.

| Row | What is timed |
| --- | --- |
${rows.map((r) => `| ${r.name} | ${r.what} |`).join("\n")}

Checks before timing (on ${settings.checks} centres): index, box and scan return the same ids in the same order; \`searchArtists()\` and the HTTP route return the first ${LIMIT} of them. The radius query's plan uses \`ArtistProfile_public_point\`: **${indexPlanUses ? "yes" : "NO"}** (scan: ${scanPlanUses ? "yes (unexpected)" : "no"}). \`EXPLAIN ANALYZE\` of the first centre:

\`\`\`
${explain.join("\n")}
\`\`\`

Speed is never asserted; absolute times depend on the machine and its load, the ratio is what compares across machines. The scan may use parallel workers (server default \`max_parallel_workers_per_gather\`), which flatters it on idle machines.
${problems.length ? `\n## Problems\n\n${problems.map((x) => `- ${x}`).join("\n")}\n` : ""}`;
  fs.writeFileSync(path.join(benchDir, "RESULTS-search.md"), md);
  const resultsFile = path.join(benchDir, "RESULTS.md");
  const current = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, "utf8") : "# Tatu benchmark results\n";
  const line = `- ${problems.length ? "**BROKEN run** — " : ""}Artist search (${started.toISOString().slice(0, 10)}, ${fmtInt(counts.searchable)} artists): ${met ? "✅" : "❌"} ${summary} — details in [RESULTS-search.md](RESULTS-search.md) ${LINK_MARK}`;
  const lines = current.split("\n");
  const at = lines.findIndex((l) => l.includes(LINK_MARK));
  if (at !== -1) lines[at] = line;
  fs.writeFileSync(resultsFile, at !== -1 ? lines.join("\n") : `${current.trimEnd()}\n\n${line}\n`);
  log("wrote bench/RESULTS-search.md and its line in bench/RESULTS.md");

  await cleanup();
  process.exit(problems.length ? 1 : 0);
}

main().catch((err) => abort(`failed: ${(err as Error).stack ?? err}`, 1));
