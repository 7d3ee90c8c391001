// Text PostgreSQL cannot store (a NUL character) that slips past a route's validation is the
// client's input: a 400 with a message, never a 500 (found by the fuzz run, FUZZ_SEED=348407176).
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

it("a NUL character in a query value answers 400 INVALID_TEXT", async () => {
  const res = await app.client().get("/api/dev/outbox?to=%00");
  expect(res.status).toBe(400);
  expect(res.body.error).toMatchObject({ code: "INVALID_TEXT", message: expect.stringMatching(/cannot be stored/) });
  expect((await app.client().get("/api/dev/outbox?to=nobody%40example.test")).status).toBe(200);
});
