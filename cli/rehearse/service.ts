// The service under rehearsal, in this process: the embedded database (PGlite under a temp
// TATU_DATA_DIR), the HTTP API and the queue worker — what `npm start` runs, with no
// DATABASE_URL, REDIS_URL or SMTP_URL given. A fresh PGlite cluster costs ~10 s to initialise
// and migrate, so the migrated cluster is kept as a template (keyed by the migrations' content)
// and copied for later rehearsals; the runbook's migrate items still run for real against it.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { boot } from "../../service/boot.ts";
import { loadConfig } from "../../service/config/load.ts";
import type { AppContext } from "../../service/context.ts";
import { startEmbeddedDb } from "../../service/db/embedded.ts";
import { migrateDeploy, migrationNames } from "../../service/db/migrations.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { repoRoot } from "../../service/paths.ts";
import { startHttpServer } from "../../service/server.ts";

export interface RehearsalService {
  url: string;
  databaseUrl: string;
  ctx: AppContext;
  templateUsed: boolean;
  close(): Promise<void>;
}

function templateDir(): string {
  const hash = createHash("sha256");
  for (const name of migrationNames())
    hash.update(name).update(fs.readFileSync(path.join(repoRoot, "prisma/migrations", name, "migration.sql")));
  hash.update(
    JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules/@electric-sql/pglite/package.json"), "utf8")).version,
  );
  return path.join(os.tmpdir(), "tatu-rehearsal-cache", hash.digest("hex").slice(0, 16));
}

/** A migrated PGlite cluster in dataDir/pgdata: copied from the template, or made (and kept as one). */
async function preparedDatabase(dataDir: string): Promise<boolean> {
  const template = templateDir();
  if (fs.existsSync(path.join(template, "pgdata"))) {
    fs.cpSync(path.join(template, "pgdata"), path.join(dataDir, "pgdata"), { recursive: true });
    return true;
  }
  const db = await startEmbeddedDb(dataDir);
  try {
    await migrateDeploy(db.url);
  } finally {
    await db.stop();
  }
  // Publish atomically: a half-copied template must never be used.
  const staging = `${template}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.cpSync(path.join(dataDir, "pgdata"), path.join(staging, "pgdata"), { recursive: true });
    fs.renameSync(staging, template);
  } catch {
    fs.rmSync(staging, { recursive: true, force: true }); // another rehearsal published it first
  }
  return false;
}

export async function startRehearsalService(env: NodeJS.ProcessEnv, port: number): Promise<RehearsalService> {
  const dataDir = env.TATU_DATA_DIR!;
  fs.mkdirSync(dataDir, { recursive: true });
  const templateUsed = await preparedDatabase(dataDir);
  const db = await startEmbeddedDb(dataDir);
  try {
    const config = loadConfig({ ...env, DATABASE_URL: db.url });
    const booted = await boot({ config, log: createLogger({ level: config.logLevel }) });
    const http = await startHttpServer(booted.ctx, port, "127.0.0.1");
    const stopWorker = booted.ctx.queue.startWorker(booted.ctx, 4);
    return {
      url: http.url,
      databaseUrl: db.url,
      ctx: booted.ctx,
      templateUsed,
      async close() {
        await stopWorker().catch(() => undefined);
        await http.close().catch(() => undefined);
        await booted.close().catch(() => undefined);
        await db.stop().catch(() => undefined);
      },
    };
  } catch (err) {
    await db.stop().catch(() => undefined);
    throw err;
  }
}
