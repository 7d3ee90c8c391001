// Suite-wide secret scan: with TATU_TEST_CAPTURE_DIR set (scripts/test.mjs sets it), every app a
// test boots logs at info into a file there and records its secrets (configured values and the
// provider tokens stored for connected accounts), and every response HttpClient receives is
// recorded (headers always, bodies of JSON and error answers). The global teardown scans it all
// and fails the run naming the secret and the file — never the value.
import fs from "node:fs";
import path from "node:path";
import type { Secret } from "../security/secrets-scan.ts";

export const captureDir = process.env.TATU_TEST_CAPTURE_DIR || undefined;

let seq = 0;
const file = (kind: string, ext: string) =>
  path.join(captureDir!, `${kind}-${process.pid}-${Date.now()}-${seq++}.${ext}`);

/** A fresh log file for one app instance (undefined when not capturing). */
export function newLogFile(): string | undefined {
  if (!captureDir) return undefined;
  fs.mkdirSync(captureDir, { recursive: true });
  return file("log", "log");
}

export function recordSecrets(secrets: Secret[]): void {
  if (!captureDir || !secrets.length) return;
  fs.mkdirSync(captureDir, { recursive: true });
  fs.writeFileSync(file("secrets", "json"), JSON.stringify(secrets), { mode: 0o600 });
}

/** One response as received: status, headers, and the body when it is JSON or an error. */
export async function recordResponse(method: string, url: string, res: Response): Promise<void> {
  if (!captureDir) return;
  const type = res.headers.get("content-type") ?? "";
  const body =
    res.status >= 400 || /json|text\/plain/.test(type)
      ? await res
          .clone()
          .text()
          .catch(() => "")
      : "";
  const lines: string[] = [];
  res.headers.forEach((v, k) => lines.push(`${k}: ${v}`));
  const headers = lines.join("\n");
  fs.mkdirSync(captureDir, { recursive: true });
  fs.appendFileSync(
    path.join(captureDir, `http-${process.pid}.log`),
    `${method} ${url} → ${res.status}\n${headers}\n\n${body}\n\n`,
  );
}
