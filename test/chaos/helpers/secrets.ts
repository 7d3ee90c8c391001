// One set of secrets shared by every process of a chaos scenario (API, workers): sessions,
// encrypted provider tokens and cron calls only work when all of them agree.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface SharedEnv extends Record<string, string> {
  NEXTAUTH_SECRET: string;
  TOKEN_ENCRYPTION_KEY: string;
  CRON_SECRET: string;
}

/** Fresh secrets (registry formats: ≥32 chars, 32-byte hex key, ≥16 chars) and a private data dir
 *  shared by the processes (local attachment storage); remove it with removeDataDir(). */
export function sharedEnv(): SharedEnv {
  return {
    NODE_ENV: "test",
    NEXTAUTH_SECRET: randomBytes(48).toString("base64url"),
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    CRON_SECRET: randomBytes(24).toString("base64url"),
    TATU_DATA_DIR: path.join(os.tmpdir(), `tatu-chaos-${randomBytes(4).toString("hex")}`),
    TATU_SCHEDULER: "off",
    RATE_LIMIT_SIGNUP: "10000/10m",
  };
}

export const uniquePrefix = (tag: string) => `tatu-chaos-${tag}-${randomBytes(4).toString("hex")}`;

export function removeDataDir(env: Record<string, string>): void {
  if (env.TATU_DATA_DIR?.startsWith(path.join(os.tmpdir(), "tatu-chaos-")))
    fs.rmSync(env.TATU_DATA_DIR, { recursive: true, force: true });
}
