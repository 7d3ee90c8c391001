// The dev outbox hands out every verification link: served only with DEV_OUTBOX=true (the dev
// default of the embedded `npm start`), never with NODE_ENV=production even when set there.
import { randomBytes } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const productionEnv = () => ({
  NODE_ENV: "production",
  NEXTAUTH_URL: "https://tatu.example.test",
  NEXTAUTH_SECRET: randomBytes(48).toString("base64url"),
  CRON_SECRET: randomBytes(24).toString("base64url"),
  TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  SMTP_URL: "smtp://127.0.0.1:2525",
  EMAIL_FROM: "Tatu <no-reply@tatu.example.test>",
});

it("is served by default outside production (the embedded default sets DEV_OUTBOX)", async () => {
  app = await startTestApp();
  const res = await app.client().get("/api/dev/outbox");
  expect(res.status).toBe(200);
  expect(res.body.emails).toEqual(expect.any(Array));
});

it("is not mounted when DEV_OUTBOX=false, e.g. a staging deploy without NODE_ENV=production", async () => {
  app = await startTestApp({ env: { DEV_OUTBOX: "false" } });
  const res = await app.client().get("/api/dev/outbox?to=someone@example.test");
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe("NOT_FOUND");
});

it("is never mounted in a production config, even with DEV_OUTBOX=true", async () => {
  app = await startTestApp({ env: { ...productionEnv(), DEV_OUTBOX: "true" } });
  expect(app.ctx.config.isProduction).toBe(true);
  const res = await app.client().get("/api/dev/outbox");
  expect(res.status).toBe(404);
});
