// Issue 15 item 4: a stranger's wrong passwords must not lock the owner out, failed logins are
// limited per client IP before any password hashing, and a login flood cannot take every thread
// of the libuv pool that disk and DNS share.
import fs from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { PASSWORD, signedInUser } from "../helpers/accounts.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
});

const from = (ip: string) => ({ "x-forwarded-for": ip });

describe("login lockout", () => {
  it("ten wrong passwords from a stranger's IP do not stop the owner's correct password from another IP", async () => {
    const { email } = await signedInUser(app);
    for (let i = 0; i < 12; i++) {
      const res = await app
        .client()
        .post("/api/auth/login", { email, password: `guess-${i}-x` }, from("198.51.100.66"));
      expect([401, 429]).toContain(res.status);
    }
    // The stranger is held back…
    expect(
      (await app.client().post("/api/auth/login", { email, password: PASSWORD }, from("198.51.100.66"))).status,
    ).toBe(429);
    // …the owner is not.
    const owner = await app.client().post("/api/auth/login", { email, password: PASSWORD }, from("203.0.113.20"));
    expect(owner.status, owner.text).toBe(200);
  }, 120_000);

  it("limits failed logins per client IP across accounts (429 with Retry-After) before any password is hashed", async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_LOGIN_FAILURES_IP: "5/15m" } });
    try {
      const ip = from("198.51.100.77");
      for (let i = 0; i < 5; i++)
        expect(
          (await limited.client().post("/api/auth/login", { email: uniqueEmail("spray"), password: "guess-123" }, ip))
            .status,
        ).toBe(401);
      const res = await limited
        .client()
        .post("/api/auth/login", { email: uniqueEmail("spray"), password: "guess-123" }, ip);
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe("RATE_LIMITED");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another network is not affected.
      expect(
        (
          await limited
            .client()
            .post("/api/auth/login", { email: uniqueEmail("spray"), password: "guess-123" }, from("198.51.100.78"))
        ).status,
      ).toBe(401);
    } finally {
      await limited.close();
    }
  }, 120_000);
});

describe("password hashing under a login flood", () => {
  it("a file read issued during a flood of wrong-password logins finishes before most of the flood", async () => {
    const flood = await startTestApp({
      env: {
        RATE_LIMIT_LOGIN_FAILURES_IP: "100000/15m",
        RATE_LIMIT_LOGIN_FAILURES: "100000/15m",
        PASSWORD_HASH_QUEUE: "1000",
      },
    });
    try {
      const N = 20;
      let answered = 0;
      const logins = Array.from({ length: N }, (_, i) =>
        flood
          .client()
          .post(
            "/api/auth/login",
            { email: uniqueEmail("flood"), password: `wrong-${i}-pw` },
            from(`198.18.0.${i + 1}`),
          )
          .then((r) => {
            answered++;
            return r.status;
          }),
      );
      // Once the first answer is back every other request is inside the server, hashing or waiting to.
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (answered > 0) {
            clearInterval(t);
            resolve();
          }
        }, 5);
      });
      // fs.readFile runs on the libuv pool, like dns.lookup and zlib: it must not queue behind N hashes.
      await fs.readFile(new URL(import.meta.url));
      const answeredWhenReadDone = answered;
      const statuses = await Promise.all(logins);
      expect(statuses.every((s) => s === 401)).toBe(true);
      expect(answeredWhenReadDone, `the file read waited for ${answeredWhenReadDone} of ${N} logins`).toBeLessThan(
        N / 2,
      );
    } finally {
      await flood.close();
    }
  }, 120_000);

  it("turns logins away quickly with 503 and Retry-After when the hashing queue is full", async () => {
    const small = await startTestApp({
      env: { PASSWORD_HASH_CONCURRENCY: "1", PASSWORD_HASH_QUEUE: "2", RATE_LIMIT_LOGIN_FAILURES_IP: "100000/15m" },
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          small
            .client()
            .post("/api/auth/login", { email: uniqueEmail("q"), password: "wrong-pass-1" }, from(`198.18.1.${i + 1}`)),
        ),
      );
      const busy = results.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]!.body.error).toMatchObject({ code: "SERVER_BUSY", message: expect.any(String) });
      expect(busy[0]!.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(results.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(3);
    } finally {
      await small.close();
    }
  }, 120_000);
});
