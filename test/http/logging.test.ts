// Logs are structured, carry request ids, and never contain secrets or credentials.
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { inject } from "vitest";
import { boot } from "../../service/boot.ts";
import { loadConfig, secretValues } from "../../service/config/load.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { startHttpServer, type RunningServer } from "../../service/server.ts";
import { HttpClient } from "../helpers/http.ts";
import { uniqueEmail } from "../helpers/app.ts";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";

const lines: string[] = [];
const CRON_SECRET = "cron-secret-that-must-never-be-logged";
let booted: Awaited<ReturnType<typeof boot>>;
let server: RunningServer;

beforeAll(async () => {
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: inject("databaseUrl"),
    TATU_DATA_DIR: `/tmp/tatu-test-${inject("runId")}`,
    TATU_SCHEDULER: "off",
    CRON_SECRET,
    LOG_LEVEL: "debug",
    RATE_LIMIT_SIGNUP: "1000/10m",
  });
  const destination = new Writable({
    write(chunk, _e, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  booted = await boot({
    config,
    log: createLogger({ level: "debug", secrets: secretValues(config), destination: destination as never }),
  });
  server = await startHttpServer(booted.ctx, 0, "127.0.0.1");
});
afterAll(async () => {
  await server?.close();
  await booted?.close();
});

it("logs JSON lines with request ids and no passwords, cookies, tokens or secret values", async () => {
  await new HttpClient(server.url).post(
    "/api/auth/signup",
    { email: uniqueEmail("log"), password: PASSWORD, name: "Logan", role: "artist" },
    { "x-request-id": "req-log-1" },
  );
  const testApp = {
    url: server.url,
    ctx: booted.ctx,
    client: () => new HttpClient(server.url),
    close: async () => undefined,
  };
  const { client } = await signedInUser(testApp); // signup, verify, login: session cookie set
  await client.get("/api/cron/sync-messages", { authorization: `Bearer ${CRON_SECRET}` });
  booted.ctx.log.info(`operator pasted ${CRON_SECRET} by mistake`);

  const all = lines.join("");
  expect(lines.length).toBeGreaterThan(3);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  expect(lines.some((l) => JSON.parse(l).req?.id === "req-log-1")).toBe(true);
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toContain(CRON_SECRET);
  expect(all).not.toContain(booted.ctx.config.sessionSecret);
  expect(all).toContain("operator pasted [redacted] by mistake");
  const sessionToken = client.cookie("tatu_session")!;
  expect(sessionToken.length).toBeGreaterThan(20);
  expect(all).not.toContain(sessionToken);
});
