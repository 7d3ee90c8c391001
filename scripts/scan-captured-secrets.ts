// The suite-wide secret scan (see test/helpers/capture.ts): every log line and response the test
// suite produced, against every secret its apps held. Run by `npm test` after the suite:
//   npx tsx scripts/scan-captured-secrets.ts <capture dir>
// Exit 1 naming the secret and the file (never the value) when one is found.
import fs from "node:fs";
import path from "node:path";
import { scanForSecrets, type Secret } from "../test/security/secrets-scan.ts";

const dir = process.argv[2];
if (!dir || !fs.existsSync(dir)) {
  console.error("✗ secrets scan: no capture directory (the suite captured nothing)");
  process.exit(1);
}
const names = fs.readdirSync(dir);
const secrets: Secret[] = names
  .filter((n) => n.startsWith("secrets-"))
  .flatMap((n) => JSON.parse(fs.readFileSync(path.join(dir, n), "utf8")) as Secret[]);
const captured = names
  .filter((n) => !n.startsWith("secrets-"))
  .map((n) => ({ where: n, text: fs.readFileSync(path.join(dir, n), "utf8") }));
if (!secrets.length || !captured.length) {
  console.error(`✗ secrets scan: nothing to scan (${secrets.length} secrets, ${captured.length} captured files)`);
  process.exit(1);
}
const findings = scanForSecrets(captured, secrets);
const kib = Math.round(captured.reduce((sum, c) => sum + c.text.length, 0) / 1024);
if (findings.length) {
  console.error(
    `✗ secrets scan: secret values in what the suite produced: ${findings.map((f) => `${f.secret} in ${f.where}`).join("; ")}`,
  );
  process.exit(1);
}
console.log(
  `· secrets scan: ${new Set(secrets.map((s) => s.value)).size} secret values against ${captured.length} captured logs and response records (${kib} KiB): none found`,
);
