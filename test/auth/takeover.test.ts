// Issue 15 item 3: someone who signs up with another person's address (an ADMIN_EMAILS one
// included) never ends up holding a working login once the real owner acts — signs up too,
// verifies, or resets the password. Plus password reset, change and "sign out everywhere".
import { describe, expect, it } from "vitest";
import { startTestApp, uniqueEmail, withTestApp, type TestApp } from "../helpers/app.ts";
import {
  anotherSession,
  latestResetToken,
  latestVerificationToken,
  PASSWORD,
  signedInUser,
} from "../helpers/accounts.ts";
import { closeCode, openSocket } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";

const ADMIN = uniqueEmail("boss");
let app: TestApp;
suiteResources(async (track) => {
  app = track(await startTestApp({ env: { ADMIN_EMAILS: ADMIN } }));
});

const ATTACKER_PW = "attacker-knows-1";
const OWNER_PW = "owner-chose-this-2";
const NEW_PW = "brand-new-secret-3";
const login = (email: string, password: string) => app.client().post("/api/auth/login", { email, password });
const signup = (email: string, password: string, name: string, role: "artist" | "customer") =>
  app.client().post("/api/auth/signup", { email, password, name, role });
const resetPassword = (token: string, password: string) =>
  app.client().post("/api/auth/reset-password", { token, password });

describe("pre-registration takeover", () => {
  it("the owner's own signup for an address an attacker registered first wins once the owner verifies", async () => {
    const email = uniqueEmail("victim");
    const attacker = await signup(email, ATTACKER_PW, "Mallory", "artist");
    expect(attacker.status).toBe(201);
    const attackerLink = await latestVerificationToken(app, email);

    // The owner signs up later: answered like any signup (no hint that the address was taken).
    const owner = await signup(email, OWNER_PW, "Olive Owner", "customer");
    expect(owner.status).toBe(201);
    expect(Object.keys(owner.body).sort()).toEqual(Object.keys(attacker.body).sort());
    const ownerLink = await latestVerificationToken(app, email);
    expect(ownerLink).not.toBe(attackerLink);

    expect((await app.client().get(`/api/auth/verify-email?token=${ownerLink}`)).status).toBe(200);
    const ok = await login(email, OWNER_PW);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.user).toMatchObject({ name: "Olive Owner", role: "customer" });
    expect((await login(email, ATTACKER_PW)).status).toBe(401);
    // The attacker's link (still in the mailbox) can no longer be used to swap the password back.
    expect((await app.client().get(`/api/auth/verify-email?token=${attackerLink}`)).status).toBe(400);
    expect((await login(email, OWNER_PW)).status).toBe(200);
  });

  it("an attacker who pre-registers an ADMIN_EMAILS address holds nothing once the owner resets the password", async () => {
    expect((await signup(ADMIN, ATTACKER_PW, "Mallory", "artist")).status).toBe(201);
    expect((await app.client().post("/api/auth/forgot-password", { email: ADMIN })).status).toBe(202);
    const reset = await resetPassword(await latestResetToken(app, ADMIN), OWNER_PW);
    expect(reset.status, reset.text).toBe(200);

    expect((await login(ADMIN, ATTACKER_PW)).status).toBe(401);
    const owner = await login(ADMIN, OWNER_PW);
    expect(owner.status).toBe(200);
    expect(owner.body.user.isAdmin).toBe(true);
  });

  it("a second signup for an unverified address never changes the password until its own link is used", async () => {
    const email = uniqueEmail("pending");
    expect((await signup(email, OWNER_PW, "Olive", "customer")).status).toBe(201);
    expect((await signup(email, ATTACKER_PW, "Mallory", "artist")).status).toBe(201);
    // The owner verifies with their own (first) link: the attacker's later signup is void.
    const ownerLink = (await app.client().get(`/api/dev/outbox?to=${encodeURIComponent(email)}`)).body.emails.at(-1)
      .links[0] as string;
    expect(
      (await app.client().get(`/api/auth/verify-email?token=${new URL(ownerLink).searchParams.get("token")}`)).status,
    ).toBe(200);
    expect((await login(email, ATTACKER_PW)).status).toBe(401);
    expect((await login(email, OWNER_PW)).status).toBe(200);
  });

  it("a resend for an address several signups used mails a choose-your-password link, not a verification of one of them", async () => {
    const email = uniqueEmail("twice");
    expect((await signup(email, ATTACKER_PW, "Mallory", "artist")).status).toBe(201);
    expect((await signup(email, OWNER_PW, "Olive", "customer")).status).toBe(201);
    expect((await app.client().post("/api/auth/resend-verification", { email })).status).toBe(202);
    const newest = (await app.client().get(`/api/dev/outbox?to=${encodeURIComponent(email)}`)).body.emails[0];
    expect(newest.links[0]).toMatch(/\/reset-password\?token=/);
    expect((await resetPassword(await latestResetToken(app, email), NEW_PW)).status).toBe(200);
    expect((await login(email, ATTACKER_PW)).status).toBe(401);
    expect((await login(email, NEW_PW)).status).toBe(200);
  });

  it("a signup for a verified address still answers 409 EMAIL_TAKEN and changes nothing", async () => {
    const { email } = await signedInUser(app);
    const res = await signup(email, ATTACKER_PW, "M", "artist");
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("EMAIL_TAKEN");
    expect((await login(email, PASSWORD)).status).toBe(200);
  });

  it("admin rights need a password the owner set: a verified admin row without it is not an admin", async () => {
    const email = uniqueEmail("boss3");
    await withTestApp({ env: { ADMIN_EMAILS: email } }, async (admin) => {
      const a = await signedInUser(admin, { email });
      expect((await a.client.get("/api/auth/me")).body.user.isAdmin).toBe(true);
      await admin.ctx.db.user.update({ where: { id: a.userId }, data: { passwordSetByOwnerAt: null } });
      expect((await a.client.get("/api/auth/me")).body.user.isAdmin).toBe(false);
      expect((await a.client.get("/api/admin/switches")).status).toBe(403);
    });
  });
});

describe("password reset", () => {
  it("forgot-password answers 202 alike for known and unknown addresses and mails a 1-hour link to /reset-password", async () => {
    const { email } = await signedInUser(app);
    const unknown = await app.client().post("/api/auth/forgot-password", { email: uniqueEmail("ghost") });
    const known = await app.client().post("/api/auth/forgot-password", { email });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    const mail = (await app.client().get(`/api/dev/outbox?to=${encodeURIComponent(email)}`)).body.emails[0];
    const link: string = mail.links.find((l: string) => l.includes("/reset-password?token="));
    expect(link).toMatch(new RegExp(`^${app.ctx.config.publicUrl}/reset-password\\?token=[\\w-]{40,}$`));
    const token = new URL(link).searchParams.get("token")!;
    const row = await app.ctx.db.passwordResetToken.findFirstOrThrow({ where: { user: { email } } });
    expect(row.tokenHash).not.toContain(token);
    expect(row.expiresAt.getTime() - row.createdAt.getTime()).toBeLessThanOrEqual(3600_000 + 1000);
  });

  it("reset sets the password once, verifies the address, and signs out every session and socket", async () => {
    const { client, email } = await signedInUser(app);
    const sock = await openSocket(app.url, client);
    await app.client().post("/api/auth/forgot-password", { email });
    const token = await latestResetToken(app, email);

    const weak = await resetPassword(token, "short");
    expect(weak.status).toBe(400);
    expect(weak.body.error.fields.password).toMatch(/at least 8/);

    const ok = await resetPassword(token, NEW_PW);
    expect(ok.status).toBe(200);
    expect((await client.get("/api/auth/me")).status).toBe(401);
    expect(await closeCode(sock)).toBe(4001);
    expect((await login(email, PASSWORD)).status).toBe(401);
    expect((await login(email, NEW_PW)).status).toBe(200);

    const again = await resetPassword(token, "another-one-4");
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe("TOKEN_USED");
  });

  it("reset verifies an address that was never verified", async () => {
    const email = uniqueEmail("never");
    expect((await signup(email, OWNER_PW, "N", "customer")).status).toBe(201);
    await app.client().post("/api/auth/forgot-password", { email });
    expect((await resetPassword(await latestResetToken(app, email), NEW_PW)).status).toBe(200);
    expect((await login(email, NEW_PW)).status).toBe(200);
  });

  it("rejects expired, unknown and malformed reset tokens with their reason", async () => {
    const { email } = await signedInUser(app);
    await app.client().post("/api/auth/forgot-password", { email });
    const token = await latestResetToken(app, email);
    await app.ctx.db.passwordResetToken.updateMany({
      where: { user: { email } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const expired = await resetPassword(token, NEW_PW);
    expect(expired.status).toBe(400);
    expect(expired.body.error.code).toBe("TOKEN_EXPIRED");
    expect((await resetPassword("nope", NEW_PW)).body.error.code).toBe("TOKEN_INVALID");
    const bad = await app.client().post("/api/auth/reset-password", { password: NEW_PW });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.token).toBeDefined();
  });

  it("limits reset emails per address (429 with Retry-After)", async () => {
    await withTestApp({ env: { RATE_LIMIT_PASSWORD_RESET: "2/1h" } }, async (limited) => {
      const email = uniqueEmail("spam");
      expect((await limited.client().post("/api/auth/forgot-password", { email })).status).toBe(202);
      expect((await limited.client().post("/api/auth/forgot-password", { email })).status).toBe(202);
      const res = await limited.client().post("/api/auth/forgot-password", { email });
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    });
  });
});

describe("change password and sign out everywhere", () => {
  it("change-password needs the current password and signs out the other sessions, keeping this one", async () => {
    const { client, email } = await signedInUser(app);
    const other = await anotherSession(app, email);
    const otherSock = await openSocket(app.url, other);

    const wrong = await client.post("/api/auth/change-password", {
      currentPassword: "not-it-123",
      newPassword: NEW_PW,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.fields.currentPassword).toMatch(/incorrect/i);

    const ok = await client.post("/api/auth/change-password", { currentPassword: PASSWORD, newPassword: NEW_PW });
    expect(ok.status, ok.text).toBe(200);
    expect((await client.get("/api/auth/me")).status).toBe(200);
    expect((await other.get("/api/auth/me")).status).toBe(401);
    expect(await closeCode(otherSock)).toBe(4001);
    expect((await login(email, NEW_PW)).status).toBe(200);
  });

  it("lists the caller's sessions and signs out everywhere (this browser too)", async () => {
    const { client, email } = await signedInUser(app);
    const other = await anotherSession(app, email);
    const sock = await openSocket(app.url, client);
    const list = await client.get("/api/auth/sessions");
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    expect(list.body.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toMatch(/tokenHash|csrf/i);

    const res = await client.post("/api/auth/sessions/revoke-all");
    expect(res.status).toBe(200);
    expect(res.body.revoked).toBe(2);
    expect((await client.get("/api/auth/me")).status).toBe(401);
    expect((await other.get("/api/auth/me")).status).toBe(401);
    expect(await closeCode(sock)).toBe(4001);
  });
});
