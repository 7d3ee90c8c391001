// `tatu env check` and `tatu migrate status|deploy` as an operator / CI runs them: the real
// binary, a dotenv file, a real empty Postgres database, exit codes 0/1/2/3, values masked.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_URL, databaseUrl } from "../helpers/global-setup.ts";
import { startVercelStandIn, type VercelStandIn } from "../../standins/vercel/index.ts";
import { launchEnv, runbooksWithScope } from "./launch-env.ts";
import { tatu } from "./ops-helpers.ts";

// Every test spawns the real CLI several times; on a loaded 2-core machine one spawn can take seconds.
vi.setConfig({ testTimeout: 90_000 });

const dbName = `tatu_cli_ops_${Date.now()}_${process.pid}`;
const dbUrl = databaseUrl(dbName);
const admin = async (sql: string) => {
  const c = new pg.Client(ADMIN_URL);
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
};

// Everything launch day needs: the core plus every variable of the default scope (all integrations).
const { values: productionEnv, secrets } = launchEnv();

let dir: string;
let vercel: VercelStandIn;
const writeEnv = (name: string, vars: Record<string, string>) => {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    Object.entries(vars)
      .map(([k, v]) => `${k}="${v}"`)
      .join("\n") + "\n# a comment\n",
  );
  return file;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-env-"));
  await admin(`CREATE DATABASE "${dbName}"`);
  vercel = await startVercelStandIn({
    env: Object.keys(productionEnv)
      .filter((k) => k !== "NODE_ENV")
      .map((key) => ({ key, target: ["production", "preview"] })),
  });
});
afterAll(async () => {
  await vercel?.close();
  await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("tatu env check", () => {
  it("passes a complete production env file, grouped by integration, without printing a secret", async () => {
    const file = writeEnv("prod.env", productionEnv);
    const res = await tatu(["--json", "env", "check", "--env-file", file], {}, secrets);
    expect(res.exitCode).toBe(0);
    const step = res.json.steps[0];
    expect(step.ok).toBe(true);
    expect(step.details.groups.auth.present).toEqual(
      expect.arrayContaining(["NEXTAUTH_SECRET", "CRON_SECRET", "TOKEN_ENCRYPTION_KEY"]),
    );
    const nextauth = step.details.vars.find((v: { name: string }) => v.name === "NEXTAUTH_SECRET");
    expect(nextauth).toMatchObject({ status: "present", launchCritical: true, secret: true, value: "[set]" });
    // Non-secrets are shown (they help); the human table groups by integration.
    const human = await tatu(["env", "check", "--env-file", file], {}, secrets);
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/\[auth\][\s\S]*NEXTAUTH_SECRET\s+\[set\]/);
    expect(human.stdout).toContain("https://tatu.example.com");
  });

  it("fails (exit 1) on a missing launch-critical variable and an invalid format, naming them", async () => {
    const { CRON_SECRET: _omit, ...rest } = productionEnv;
    const file = writeEnv("broken.env", {
      ...rest,
      TOKEN_ENCRYPTION_KEY: "too-short-key",
      TWILIO_PHONE_NUMBER: "555-1234",
    });
    const res = await tatu(["--json", "env", "check", "--env-file", file], {}, secrets);
    expect(res.exitCode).toBe(1);
    expect(res.json.ok).toBe(false);
    const vars = res.json.steps[0].details.vars as { name: string; status: string; problem?: string }[];
    expect(vars.find((v) => v.name === "CRON_SECRET")).toMatchObject({ status: "missing" });
    expect(vars.find((v) => v.name === "TOKEN_ENCRYPTION_KEY")).toMatchObject({
      status: "invalid",
      problem: "has the wrong format",
    });
    expect(vars.find((v) => v.name === "TWILIO_PHONE_NUMBER")?.problem).toMatch(/E\.164/);
    expect(res.stdout).not.toContain("too-short-key");
  });

  it("requires every variable of every in-scope integration, naming each missing one; out-of-scope ones are not in this launch", async () => {
    const { GOOGLE_CLIENT_SECRET: _g, OUTLOOK_REDIRECT_URI: _o, UPSTASH_REDIS_REST_TOKEN: _u, ...rest } = productionEnv;
    const file = writeEnv("scoped.env", rest);
    // Default scope (every integration the launch document names): all three are missing.
    const all = await tatu(["--json", "env", "check", "--env-file", file], {}, secrets);
    expect(all.exitCode).toBe(1);
    expect(all.json.steps[0].summary).toMatch(/3 required missing/);
    expect(all.json.steps[0].summary).toContain("GOOGLE_CLIENT_SECRET (gmail, google-calendar)");
    expect(all.json.steps[0].summary).toContain("OUTLOOK_REDIRECT_URI (outlook, outlook-calendar)");
    expect(all.json.steps[0].summary).toContain("UPSTASH_REDIS_REST_TOKEN (upstash)");

    // A launch without Outlook and Upstash: only Gmail's secret is missing; the others are listed as out.
    const scoped = runbooksWithScope(["gmail", "yahoo", "twilio", "stripe", "sentry"]);
    const narrow = await tatu(["--json", "env", "check", "--env-file", file], { TATU_RUNBOOKS_DIR: scoped }, secrets);
    expect(narrow.exitCode).toBe(1);
    expect(narrow.json.steps[0].summary).toMatch(/1 required missing \(GOOGLE_CLIENT_SECRET \(gmail\)\)/);
    expect(narrow.json.steps[0].details.scope.inScope).toEqual(["gmail", "yahoo", "twilio", "stripe", "sentry"]);
    expect(narrow.json.steps[0].details.scope.notInLaunch).toContain("outlook (Outlook / Hotmail)");
    const human = await tatu(["env", "check", "--env-file", file], { TATU_RUNBOOKS_DIR: scoped }, secrets);
    expect(human.stdout).toMatch(/Not in this launch \(switches expected off\): Outlook \/ Hotmail, .*Upstash/);
    expect(human.stdout).toMatch(/GOOGLE_CLIENT_SECRET\s+MISSING \(in this launch: gmail\)/);

    // The healthy world: the scope's variables all set.
    const ok = await tatu(
      [
        "--json",
        "env",
        "check",
        "--env-file",
        writeEnv("scoped-ok.env", { ...rest, GOOGLE_CLIENT_SECRET: "g-secret-value-1" }),
      ],
      { TATU_RUNBOOKS_DIR: scoped },
      [...secrets, "g-secret-value-1"],
    );
    expect(ok.exitCode).toBe(0);
    // A preview check does not apply the launch scope.
    const preview = await tatu(["--json", "env", "check", "--env-file", file, "--target", "preview"], {}, secrets);
    expect(preview.exitCode).toBe(0);
    // An unknown name in the scope is a usage error, not a silent pass.
    const typo = await tatu(["--json", "env", "check", "--env-file", file], {
      TATU_RUNBOOKS_DIR: runbooksWithScope(["gmial"]),
    });
    expect(typo.exitCode).toBe(2);
    expect(typo.json.error).toMatch(/unknown integration "gmial" in the launch scope/);
  });

  it("--only narrows to one integration; an unknown one is a usage error (exit 2)", async () => {
    const res = await tatu(
      ["--json", "env", "check", "--only", "twilio"],
      {
        TWILIO_AUTH_TOKEN: "tw-secret-abcdef123",
        TWILIO_ACCOUNT_SID: productionEnv.TWILIO_ACCOUNT_SID,
        TWILIO_PHONE_NUMBER: productionEnv.TWILIO_PHONE_NUMBER,
      },
      ["tw-secret-abcdef123"],
    );
    expect(res.exitCode).toBe(0);
    expect(new Set(res.json.steps[0].details.vars.map((v: { integration: string }) => v.integration))).toEqual(
      new Set(["twilio"]),
    );
    const bad = await tatu(["--json", "env", "check", "--only", "twillio"], {});
    expect(bad.exitCode).toBe(2);
    expect(bad.json.error).toMatch(/unknown integration "twillio"/);
  });

  it("--vercel checks presence and target in the Vercel project, never values", async () => {
    const file = writeEnv("vercel.env", { ...productionEnv, ...vercel.env() });
    const ok = await tatu(["--json", "env", "check", "--env-file", file, "--vercel"], {}, [...secrets, vercel.token]);
    expect(ok.exitCode).toBe(0);
    expect(ok.json.steps[1]).toMatchObject({ id: "env.vercel", ok: true });

    vercel.removeEnv("CRON_SECRET");
    vercel.setEnv("SMTP_URL", ["preview"]);
    vercel.setEnv("TWILIO_AUTH_TOKEN", ["development"]);
    const missing = await tatu(["--json", "env", "check", "--env-file", file, "--vercel"], {}, [
      ...secrets,
      vercel.token,
    ]);
    expect(missing.exitCode).toBe(1);
    expect(missing.json.steps[1].summary).toMatch(/CRON_SECRET/);
    expect(missing.json.steps[1].summary).toMatch(/SMTP_URL only in preview/);
    // An in-scope integration's variable scoped to the wrong target fails like a missing one.
    expect(missing.json.steps[1].summary).toMatch(/TWILIO_AUTH_TOKEN \(twilio\) only in development/);
    // Preview has SMTP_URL but never had CRON_SECRET.
    const preview = await tatu(["--json", "env", "check", "--env-file", file, "--vercel", "--target", "preview"], {}, [
      ...secrets,
      vercel.token,
    ]);
    expect(preview.json.steps[1].summary).toMatch(/CRON_SECRET/);
    expect(preview.json.steps[1].summary).not.toMatch(/SMTP_URL/);
    expect(vercel.requests().every((r) => !r.path.includes("decrypt"))).toBe(true);

    // A revoked token: Vercel answers 403 invalidToken; the CLI says so.
    const file2 = writeEnv("vercel-bad.env", {
      ...productionEnv,
      ...vercel.env(),
      VERCEL_TOKEN: "expired-token-value",
    });
    const denied = await tatu(["--json", "env", "check", "--env-file", file2, "--vercel"], {}, ["expired-token-value"]);
    expect(denied.exitCode).toBe(1);
    expect(denied.json.steps[1].summary).toMatch(/403.*invalid or expired/);
  });
});

describe("tatu migrate", () => {
  it("status on an empty database lists the pending migrations (exit 1); deploy applies them; status then passes", async () => {
    const env = { DATABASE_URL: dbUrl };
    const before = await tatu(["--json", "migrate", "status"], env);
    expect(before.exitCode).toBe(1);
    expect(before.json.steps[0].summary).toMatch(/migration\(s\) not applied.*_foundation/);

    const deploy = await tatu(["migrate", "deploy"], env);
    expect(deploy.exitCode).toBe(0);
    expect(deploy.stderr).toMatch(/have been applied/); // streamed as it runs
    expect(deploy.stdout).toMatch(/migrate deploy: OK/);

    const after = await tatu(["--json", "migrate", "status"], env);
    expect(after.exitCode).toBe(0);
    expect(after.json.steps[0].summary).toMatch(/up to date/);
  }, 150_000);

  it("exits 3 with one clear line when the database is unreachable, without the password", async () => {
    const res = await tatu(
      ["migrate", "status"],
      { DATABASE_URL: "postgresql://app:pw-not-shown-123@127.0.0.1:1/tatu" },
      ["pw-not-shown-123"],
    );
    expect(res.exitCode).toBe(3);
    expect(res.stdout).toMatch(/database 127\.0\.0\.1:1\/tatu is unreachable \(ECONNREFUSED/);
    const json = await tatu(
      ["--json", "migrate", "deploy"],
      { DATABASE_URL: "postgresql://app:pw-not-shown-123@127.0.0.1:1/tatu" },
      ["pw-not-shown-123"],
    );
    expect(json.exitCode).toBe(3);
    expect(json.json).toMatchObject({ ok: false, exitCode: 3, steps: [{ id: "migrate.deploy", unreachable: true }] });
  });

  it("fails clearly without DATABASE_URL", async () => {
    const res = await tatu(["--json", "migrate", "status"], {});
    expect(res.exitCode).toBe(1);
    expect(res.json.steps[0].summary).toBe("DATABASE_URL is not set");
  });
});
