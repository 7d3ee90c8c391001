// Password hashing (scrypt, a slow memory-hard KDF from Node's standard library) and
// opaque tokens (random, only their SHA-256 is stored).
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import pLimit, { type LimitFunction } from "p-limit";
import { HttpError } from "../http/errors.ts";

const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } satisfies ScryptOptions;
const KEYLEN = 32;

// scrypt runs on the libuv thread pool, which fs, dns.lookup and zlib share (4 threads by default).
// A gate keeps hashing below the pool size so a login flood never takes every thread, and a
// bounded queue answers 503 at once instead of letting requests pile up. Process-wide on purpose:
// the pool it protects is per process.
let gate: LimitFunction = pLimit(2);
let maxQueued = 64;

export function configurePasswordHashing(opts: { concurrency: number; queue: number }): void {
  gate = pLimit(opts.concurrency);
  maxQueued = opts.queue;
}

function scryptAsync(password: string, salt: Buffer, params: ScryptOptions): Promise<Buffer> {
  if (gate.activeCount >= gate.concurrency && gate.pendingCount >= maxQueued)
    return Promise.reject(
      new HttpError(
        503,
        "SERVER_BUSY",
        "Too many sign-ins are being checked right now. Try again in a moment.",
        { retryAfter: 2 },
        { "Retry-After": "2" },
      ),
    );
  return gate(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password.normalize("NFKC"), salt, KEYLEN, params, (err, key) => (err ? reject(err) : resolve(key))),
      ),
  );
}

/** Format: scrypt$N$r$p$salt$hash (base64url), so parameters can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, salt, hash] = stored.split("$");
  if (alg !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await scryptAsync(password, Buffer.from(salt, "base64url"), {
    ...SCRYPT,
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a fixed password, checked when the account does not exist so timing reveals nothing. */
let decoy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  decoy ??= hashPassword("decoy-password-for-timing");
  await verifyPassword(password, await decoy);
}

export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
