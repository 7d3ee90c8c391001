// The runbook's signup smoke checklist, against the real service and Postgres.
import { describe, expect, it } from "vitest";
import { startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { latestVerificationToken, PASSWORD } from "../helpers/accounts.ts";
import { suiteResources } from "../helpers/suite.ts";

let app: TestApp;
suiteResources(async (track) => {
  app = track(await startTestApp());
});

describe("POST /api/auth/signup", () => {
  it("creates an account: 201 with userId and verificationEmailSent", async () => {
    const email = uniqueEmail();
    const res = await app
      .client()
      .post("/api/auth/signup", { email, password: PASSWORD, name: "Ann Artist", role: "artist" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ userId: expect.any(String), verificationEmailSent: true });
    const user = await app.ctx.db.user.findUniqueOrThrow({ where: { id: res.body.userId } });
    expect(user).toMatchObject({ email, role: "artist", emailVerifiedAt: null });
    expect(user.passwordHash).toMatch(/^scrypt\$/);
    expect(user.passwordHash).not.toContain(PASSWORD);
  });

  it("normalises the email; a duplicate of an unverified address is answered like a fresh signup, of a verified one with 409", async () => {
    const email = uniqueEmail("dup");
    const first = await app.client().post("/api/auth/signup", {
      email: `  ${email.toUpperCase()} `,
      password: PASSWORD,
      name: "A",
      role: "customer",
    });
    expect(first.status).toBe(201);
    const again = await app
      .client()
      .post("/api/auth/signup", { email, password: PASSWORD, name: "B", role: "customer" });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await app.ctx.db.user.count({ where: { email } })).toBe(1);

    await app.client().get(`/api/auth/verify-email?token=${await latestVerificationToken(app, email)}`);
    const taken = await app
      .client()
      .post("/api/auth/signup", { email, password: PASSWORD, name: "C", role: "customer" });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: "EMAIL_TAKEN", message: expect.stringMatching(/already exists/) });
  });

  it("many concurrent signups for the same email make one account", async () => {
    const email = uniqueEmail("race");
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        app.client().post("/api/auth/signup", { email, password: PASSWORD, name: "R", role: "customer" }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(await app.ctx.db.user.count({ where: { email } })).toBe(1);
  });

  it("answers 400 with an error per field for invalid input", async () => {
    const res = await app
      .client()
      .post("/api/auth/signup", { email: "not-an-email", password: "short", role: "admin" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(res.body.error.fields).sort()).toEqual(["email", "name", "password", "role"]);
    expect(res.body.error.fields.password).toMatch(/at least 8/);
  });

  it("rejects weak passwords made of letters only", async () => {
    const res = await app
      .client()
      .post("/api/auth/signup", { email: uniqueEmail(), password: "onlyletters", name: "W", role: "artist" });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.password).toMatch(/number or symbol/);
  });

  it.each([
    ["malformed JSON", '{"email": "x@y.z",', "application/json", 400, "MALFORMED_JSON"],
    ["a JSON array", "[1,2]", "application/json", 400, "VALIDATION_FAILED"],
    ["JSON null", "null", "application/json", 400, "VALIDATION_FAILED"],
    ["a number", "42", "application/json", 400, "VALIDATION_FAILED"],
    [
      "nested garbage",
      '{"email":{"$ne":1},"password":[],"name":{},"role":null}',
      "application/json",
      400,
      "VALIDATION_FAILED",
    ],
    [
      "form-encoded body",
      "email=a%40b.c&password=x",
      "application/x-www-form-urlencoded",
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    ],
    ["plain text", "hello", "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"],
    ["an empty body", "", "application/json", 400, "VALIDATION_FAILED"],
  ])("never 500s: %s → %s", async (_label, body, type, status, code) => {
    const res = await app.client().request("POST", "/api/auth/signup", { body, headers: { "content-type": type } });
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
  });

  it("answers 413 for a body over the limit", async () => {
    const res = await app.client().request("POST", "/api/auth/signup", {
      body: JSON.stringify({ email: uniqueEmail(), name: "x".repeat(2_000_000) }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("email verification", () => {
  async function signup(email = uniqueEmail()) {
    const res = await app
      .client()
      .post("/api/auth/signup", { email, password: PASSWORD, name: "Vera", role: "customer" });
    expect(res.status).toBe(201);
    return { email, userId: res.body.userId as string };
  }

  it("mails a link to /verify-email on NEXTAUTH_URL that verifies once", async () => {
    const { email, userId } = await signup();
    const outbox = await app.client().get(`/api/dev/outbox?to=${encodeURIComponent(email)}`);
    expect(outbox.body.emails).toHaveLength(1);
    expect(outbox.body.emails[0].links[0]).toMatch(/^http:\/\/localhost:\d+\/verify-email\?token=[\w-]{40,}$/);

    const token = await latestVerificationToken(app, email);
    const ok = await app.client().get(`/api/auth/verify-email?token=${token}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ verified: true, email });
    expect((await app.ctx.db.user.findUniqueOrThrow({ where: { id: userId } })).emailVerifiedAt).toBeInstanceOf(Date);

    const reused = await app.client().get(`/api/auth/verify-email?token=${token}`);
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe("TOKEN_USED");
  });

  it("stores only a hash of the token", async () => {
    const { email, userId } = await signup();
    const token = await latestVerificationToken(app, email);
    const rows = await app.ctx.db.emailVerificationToken.findMany({ where: { userId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(token);
  });

  it("rejects an expired token (24 h) with its reason", async () => {
    const { email, userId } = await signup();
    const token = await latestVerificationToken(app, email);
    await app.ctx.db.emailVerificationToken.updateMany({
      where: { userId },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const res = await app.client().get(`/api/auth/verify-email?token=${token}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "TOKEN_EXPIRED", message: expect.stringMatching(/expired/) });
  });

  it("rejects unknown and missing tokens", async () => {
    const unknown = await app.client().get("/api/auth/verify-email?token=nope");
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe("TOKEN_INVALID");
    const missing = await app.client().get("/api/auth/verify-email");
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.token).toBeDefined();
  });

  it("a verification is single-use even when clicked twice at once", async () => {
    const { email } = await signup();
    const token = await latestVerificationToken(app, email);
    const results = await Promise.all([1, 2, 3].map(() => app.client().get(`/api/auth/verify-email?token=${token}`)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400]);
  });

  it("resend answers 202 for unknown addresses (no enumeration) and mails unverified ones a fresh link", async () => {
    const unknown = await app.client().post("/api/auth/resend-verification", { email: uniqueEmail("ghost") });
    expect(unknown.status).toBe(202);

    const { email } = await signup();
    const first = await latestVerificationToken(app, email);
    const res = await app.client().post("/api/auth/resend-verification", { email });
    expect(res.status).toBe(202);
    expect(res.body).toEqual(unknown.body);
    const second = await latestVerificationToken(app, email);
    expect(second).not.toBe(first);
    expect((await app.client().get(`/api/auth/verify-email?token=${second}`)).status).toBe(200);
  });

  it("resend does not mail an already verified account", async () => {
    const { email } = await signup();
    await app.client().get(`/api/auth/verify-email?token=${await latestVerificationToken(app, email)}`);
    await app.client().post("/api/auth/resend-verification", { email });
    expect(await app.ctx.db.devEmail.count({ where: { to: email } })).toBe(1);
  });

  it("the /verify-email page is served by the web app", async () => {
    const res = await app.client().get("/verify-email?token=abc");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.text).toMatch(/<script type="module"[^>]* src="\/assets\/[^"]+\.js"/); // the SPA's entry
  });
});
