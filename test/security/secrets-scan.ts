// Finds configured secret values (and provider tokens stored for connected accounts) in text
// the system produced: log lines, response bodies and headers, CLI output. Each secret is
// looked for as is and in the encodings it would take on the way out (JSON-escaped,
// URL-encoded, base64), and findings name the secret and the place — never the value.
import type { AppContext } from "../../service/context.ts";
import { envNames, envRegistry } from "../../service/config/registry.ts";
import type { Config } from "../../service/config/load.ts";
import { openJson } from "../../service/security/secret-box.ts";

export interface Secret {
  name: string;
  value: string;
}
export interface Captured {
  where: string;
  text: string;
}
export interface Finding {
  secret: string;
  where: string;
}

/** Shorter values would match by chance (and the logger does not mask them either). */
export const MIN_SECRET_LENGTH = 8;

/** Every configured secret, by env name (plus the derived session/JWT/cron secrets), each value once. */
export function configuredSecrets(config: Config): Secret[] {
  const byValue = new Map<string, string>();
  for (const name of envNames) {
    const value = config.env[name];
    if (envRegistry[name].secret && typeof value === "string" && !byValue.has(value)) byValue.set(value, name);
  }
  const derived: [string, string][] = [
    ["sessionSecret", config.sessionSecret],
    ["jwtSecret", config.jwtSecret],
    ["cronSecret", config.cronSecret],
    ["tokenEncryptionKey(base64)", config.tokenEncryptionKey.toString("base64")],
    ["tokenEncryptionKey(hex)", config.tokenEncryptionKey.toString("hex")],
  ];
  for (const [name, value] of derived) if (!byValue.has(value)) byValue.set(value, name);
  return [...byValue].map(([value, name]) => ({ name, value }));
}

/** Credential fields that are secrets (ids and addresses stored next to them are not). */
const SECRET_FIELD = /token|secret|password|key|verifier/i;

/** The secret values inside every connected account's sealed credentials (access/refresh tokens, app passwords). */
export async function storedProviderSecrets(ctx: AppContext): Promise<Secret[]> {
  const rows = await ctx.db.connectedAccount.findMany({ select: { provider: true, credentials: true } });
  const out: Secret[] = [];
  const walk = (provider: string, path: string, v: unknown) => {
    if (typeof v === "string") {
      if (SECRET_FIELD.test(path.split(".").at(-1) ?? ""))
        out.push({ name: `${provider} credentials.${path}`, value: v });
    } else if (Array.isArray(v)) v.forEach((x) => walk(provider, path, x));
    else if (v && typeof v === "object")
      for (const [k, x] of Object.entries(v)) walk(provider, path ? `${path}.${k}` : k, x);
  };
  for (const row of rows) walk(row.provider, "", openJson<unknown>(ctx.config.tokenEncryptionKey, row.credentials));
  return out;
}

/** Only values that look like secrets: long enough, and not plain identifiers we print on purpose. */
function worthScanning(s: Secret, notSecret: Set<string>): boolean {
  return s.value.length >= MIN_SECRET_LENGTH && !notSecret.has(s.value) && !/^https?:\/\//.test(s.value);
}

function encodings(value: string): string[] {
  const forms = new Set([
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    Buffer.from(value).toString("base64"),
    Buffer.from(value).toString("base64url"),
  ]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/**
 * Every place a secret shows up. `notSecret` lists values that are credentials' public halves
 * (e.g. an account's own e-mail address stored next to its app password).
 */
export function scanForSecrets(captured: Captured[], secrets: Secret[], notSecret: Iterable<string> = []): Finding[] {
  const skip = new Set(notSecret);
  // Every encoding of every secret, indexed by its first MIN_SECRET_LENGTH characters: one pass
  // over each text finds them all, however many secrets and however much text (a whole suite's).
  const byPrefix = new Map<string, { form: string; name: string }[]>();
  for (const s of secrets.filter((x) => worthScanning(x, skip)))
    for (const form of encodings(s.value)) {
      const key = form.slice(0, MIN_SECRET_LENGTH);
      byPrefix.set(key, [...(byPrefix.get(key) ?? []), { form, name: s.name }]);
    }
  const findings: Finding[] = [];
  const seen = new Set<string>();
  if (!byPrefix.size) return findings;
  for (const c of captured) {
    for (let i = 0; i + MIN_SECRET_LENGTH <= c.text.length; i++) {
      const candidates = byPrefix.get(c.text.slice(i, i + MIN_SECRET_LENGTH));
      if (!candidates) continue;
      for (const { form, name } of candidates) {
        if (!c.text.startsWith(form, i)) continue;
        const key = `${name}@${c.where}`;
        if (!seen.has(key)) findings.push({ secret: name, where: c.where });
        seen.add(key);
      }
    }
  }
  return findings;
}
