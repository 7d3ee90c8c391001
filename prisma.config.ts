// Prisma CLI configuration: the WebAssembly schema engine through the pg driver adapter,
// so `migrate deploy` needs no engine download (see ../shared/notes/environment.md).
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error("DATABASE_URL is not set: the Prisma CLI needs a database to talk to.");
    // allowExitOnIdle: let the CLI exit as soon as it is done instead of waiting
    // out the pool's 10 s idle timer.
    return new PrismaPg({ connectionString, allowExitOnIdle: true });
  },
});
