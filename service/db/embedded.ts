// Embedded PostgreSQL (PGlite, wasm) kept under TATU_DATA_DIR so `npm start` needs no
// database install. It is served on a loopback port so Prisma and the migrator use the
// same wire-protocol path as a real Postgres.
import path from "node:path";
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { cube } from "@electric-sql/pglite/contrib/cube";
import { earthdistance } from "@electric-sql/pglite/contrib/earthdistance";

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedDb(dataDir: string): Promise<EmbeddedDb> {
  const dir = path.join(dataDir, "pgdata");
  fs.mkdirSync(dir, { recursive: true });
  // The extensions the migrations create (booking exclusion constraint, artist search index).
  const db = await PGlite.create(dir, { extensions: { btree_gist, cube, earthdistance } });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 20 });
  await server.start();
  const [host, port] = server.getServerConn().split(":");
  return {
    url: `postgresql://postgres:postgres@${host}:${port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
