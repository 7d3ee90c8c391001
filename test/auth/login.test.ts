// Login, sessions, CSRF and rate limits (in memory and through the real Redis).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { latestVerificationToken, PASSWORD, signedInUser } from "../helpers/accounts.ts";

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: "boss@example.test" } });
});
afterAll(async () => {
  await app?.close();
});

async function signup(email = uniqueEmail()) {
  const res = await app.client().post("/api/auth/signup", { email, password: PASSWORD, name: "Lou", role: "customer" });
  expect(res.status).toBe(201);
  return email;
}

describe("POST /api/auth/login", () => {
  it("tells an unverified user to verify (403 EMAIL_NOT_VERIFIED), and lets them in once verified", async () => {
    const email = await signup();
    const client = app.client();
    const blocked = await client.post("/api/auth/login", { email, password: PASSWORD });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({
      code: "EMAIL_NOT_VERIFIED",
      message: expect.stringMatching(/verify your email/i),
      canResend: true,
    });
    expect(blocked.headers.getSetCookie()).toEqual([]);

    await client.get(`/api/auth/verify-email?token=${await latestVerificationToken(app, email)}`);
    const ok = await client.post("/api/auth/login", { email: email.toUpperCase(), password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ email, name: "Lou", role: "customer", isAdmin: false });
    const cookies = ok.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith("tatu_session="))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).not.toMatch(/Secure/); // NEXTAUTH_URL is http here

    const me = await client.get("/api/auth/me");
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(email);
  });

  it("answers 401 with one generic message for a wrong password and for an unknown account", async () => {
    const email = await signup();
    const wrong = await app.client().post("/api/auth/login", { email, password: "not-the-password-1" });
    const unknown = await app.client().post("/api/auth/login", { email: uniqueEmail("nobody"), password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe("INVALID_CREDENTIALS");
  });

  it("does not reveal an unverified account to someone without the password", async () => {
    const email = await signup();
    const res = await app.client().post("/api/auth/login", { email, password: "guessing-123" });
    expect(res.status).toBe(401);
  });

  it("GET /api/auth/me is 401 when not signed in", async () => {
    const res = await app.client().get("/api/auth/me");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("UNAUTHORIZED");
  });

  it("gives ADMIN_EMAILS accounts the admin role", async () => {
    const { client } = await signedInUser(app, { email: "boss@example.test" });
    expect((await client.get("/api/auth/me")).body.user.isAdmin).toBe(true);
  });
});

describe("sessions", () => {
  it("are stored server-side (hashed) and revoked by logout", async () => {
    const { client, userId } = await signedInUser(app);
    const rows = await app.ctx.db.session.findMany({ where: { userId } });
    expect(rows).toHaveLength(1);
    const logout = await client.post("/api/auth/logout");
    expect(logout.status).toBe(200);
    expect((await app.ctx.db.session.findFirstOrThrow({ where: { userId } })).revokedAt).toBeInstanceOf(Date);
    expect((await client.get("/api/auth/me")).status).toBe(401);
  });

  it("a copied cookie stops working once the session is revoked", async () => {
    const { client, userId } = await signedInUser(app);
    const thief = app.client();
    const cookie = `tatu_session=${client.cookie("tatu_session")}`;
    expect((await thief.get("/api/auth/me", { cookie })).status).toBe(200);
    await app.ctx.db.session.updateMany({ where: { userId }, data: { revokedAt: new Date() } });
    expect((await thief.get("/api/auth/me", { cookie })).status).toBe(401);
  });

  it("rejects cookie-authenticated state changes without the CSRF token", async () => {
    const { client } = await signedInUser(app);
    const forged = await client.post("/api/auth/logout", undefined, { "x-csrf-token": "forged" });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe("CSRF_FAILED");
    expect((await client.get("/api/auth/me")).status).toBe(200);
  });

  it("expired sessions are refused", async () => {
    const { client, userId } = await signedInUser(app);
    await app.ctx.db.session.updateMany({ where: { userId }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect((await client.get("/api/auth/me")).status).toBe(401);
  });
});

describe("rate limits", () => {
  it("limits failed logins per account and client IP (429 with Retry-After): from that IP a correct password is refused meanwhile", async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_LOGIN_FAILURES: "3/15m" } });
    try {
      const { email } = await signedInUser(limited);
      for (let i = 0; i < 3; i++)
        expect((await limited.client().post("/api/auth/login", { email, password: `wrong-${i}-pass` })).status).toBe(
          401,
        );
      const blocked = await limited.client().post("/api/auth/login", { email, password: PASSWORD });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(800);
      expect(blocked.body.error.code).toBe("RATE_LIMITED");
      // Another account is unaffected.
      const other = await signedInUser(limited);
      expect((await other.client.get("/api/auth/me")).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("limits signups per client IP, shared across replicas through Redis", async () => {
    const prefix = `tatu-test-rl-${Date.now()}`;
    const a = await startTestApp({ redis: prefix, env: { RATE_LIMIT_SIGNUP: "3/10m" } });
    const b = await startTestApp({ redis: prefix, env: { RATE_LIMIT_SIGNUP: "3/10m" } });
    try {
      const ip = { "x-forwarded-for": "203.0.113.7" };
      const body = () => ({ email: uniqueEmail(), password: PASSWORD, name: "S", role: "customer" });
      expect((await a.client().post("/api/auth/signup", body(), ip)).status).toBe(201);
      expect((await b.client().post("/api/auth/signup", body(), ip)).status).toBe(201);
      expect((await a.client().post("/api/auth/signup", body(), ip)).status).toBe(201);
      const res = await b.client().post("/api/auth/signup", body(), ip);
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await b.client().post("/api/auth/signup", body(), { "x-forwarded-for": "203.0.113.8" })).status).toBe(
        201,
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("limits verification resends per address to the configured count", async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_RESEND: "2/1h" } });
    try {
      const email = uniqueEmail();
      expect((await limited.client().post("/api/auth/resend-verification", { email })).status).toBe(202);
      expect((await limited.client().post("/api/auth/resend-verification", { email })).status).toBe(202);
      const res = await limited.client().post("/api/auth/resend-verification", { email });
      expect(res.status).toBe(429);
      expect(res.body.error.message).toMatch(/verification emails/);
    } finally {
      await limited.close();
    }
  });
});
