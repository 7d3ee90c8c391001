// The public directory is rate limited per client IP (RATE_LIMIT_SEARCH): a scraper gets a
// 429 with Retry-After and a message, other visitors are unaffected. Availability is part of
// the directory: it spends the same budget (switching routes gives a scraper nothing).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), env: { RATE_LIMIT_SEARCH: "4/1m" } });
});
afterAll(async () => {
  await app?.close();
});

// Behind the (trusted, loopback) proxy the client address comes from X-Forwarded-For.
const from = (ip: string, path: string) => fetch(`${app.url}${path}`, { headers: { "X-Forwarded-For": ip } });

describe("public artist search rate limit", () => {
  it("answers 429 with Retry-After once one address used its searches and profile views; others go on", async () => {
    const scraper = "203.0.113.7";
    const answers = [];
    for (const path of [
      "/api/artists?q=ink",
      "/api/artists?lat=52.5&lng=13.4&radiusKm=25",
      "/api/artists/00000000-0000-4000-8000-000000000000",
      "/api/artists?q=rose",
      "/api/artists?q=koi",
    ])
      answers.push(await from(scraper, path));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 404, 200, 429]);
    const limited = answers[4]!;
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited.json()).error).toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/too many artist searches/i),
    });
    expect((await from("198.51.100.4", "/api/artists?q=ink")).status).toBe(200);
  });

  it("availability shares the search budget: searches then availability calls run out together", async () => {
    const scraper = "203.0.113.8";
    const nobody = "00000000-0000-4000-8000-000000000000";
    const answers = [];
    for (const path of [
      "/api/artists?q=ink",
      "/api/artists?q=rose",
      "/api/artists?q=koi",
      `/api/artists/${nobody}/availability`,
      `/api/artists/${nobody}/availability`,
      "/api/artists?q=lotus",
    ])
      answers.push(await from(scraper, path));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 404, 429, 429]);
    expect(Number(answers[4]!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await answers[4]!.json()).error).toMatchObject({
      code: "RATE_LIMITED",
      message: expect.stringMatching(/too many artist searches/i),
    });
    expect((await from("198.51.100.5", `/api/artists/${nobody}/availability`)).status).toBe(404);
  });
});
