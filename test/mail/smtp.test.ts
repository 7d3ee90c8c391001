// Verification mail through a real SMTP server, and signup surviving a dead one.
import type net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMTPServer } from "smtp-server";
import { deadPort } from "../helpers/net.ts";
import { startTestApp, uniqueEmail, type TestApp } from "../helpers/app.ts";
import { PASSWORD } from "../helpers/accounts.ts";
import { suiteResources } from "../helpers/suite.ts";

interface Received {
  from: string;
  to: string[];
  raw: string;
}

function startSmtp(): Promise<{ port: number; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (c) => (raw += c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.server.address() as net.AddressInfo).port,
        received,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

describe("verification email over SMTP", () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startSmtp();
    app = await startTestApp({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        EMAIL_FROM: "Tatu <hello@tatu.test>",
        NEXTAUTH_URL: "https://tatu.example.com",
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  it("sends the link on NEXTAUTH_URL from EMAIL_FROM, and the link verifies the account", async () => {
    const email = uniqueEmail("smtp");
    const res = await app.client().post("/api/auth/signup", { email, password: PASSWORD, name: "Sam", role: "artist" });
    expect(res.status).toBe(201);
    expect(res.body.verificationEmailSent).toBe(true);
    const mail = smtp.received.find((m) => m.to.includes(email))!;
    expect(mail.from).toBe("hello@tatu.test");
    const unfolded = mail.raw.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
    const token = unfolded.match(/https:\/\/tatu\.example\.com\/verify-email\?token=([\w-]+)/)![1]!;
    expect((await app.client().get(`/api/auth/verify-email?token=${token}`)).status).toBe(200);
    // Mail went to the real server, not the dev outbox.
    expect(await app.ctx.db.devEmail.count({ where: { to: email } })).toBe(0);
  });

  it("uses a Secure __Host- session cookie when NEXTAUTH_URL is https", async () => {
    const email = uniqueEmail("secure");
    await app.client().post("/api/auth/signup", { email, password: PASSWORD, name: "Sec", role: "artist" });
    const mail = smtp.received.find((m) => m.to.includes(email))!;
    const token = mail.raw
      .replace(/=\r?\n/g, "")
      .replace(/=3D/g, "=")
      .match(/token=([\w-]+)/)![1]!;
    await app.client().get(`/api/auth/verify-email?token=${token}`);
    const login = await app.client().post("/api/auth/login", { email, password: PASSWORD });
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith("__Host-tatu_session="))!;
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/HttpOnly/);
  });
});

describe("a failing mail server", () => {
  let app: TestApp;
  suiteResources(async (track) => {
    app = track(await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${await deadPort()}` } }));
  });

  it("does not fail signup: 201 with verificationEmailSent false, account kept", async () => {
    const email = uniqueEmail("nomail");
    const res = await app
      .client()
      .post("/api/auth/signup", { email, password: PASSWORD, name: "Nia", role: "customer" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ userId: expect.any(String), verificationEmailSent: false });
    expect(await app.ctx.db.user.count({ where: { email } })).toBe(1);
    // The user can still ask again later; the answer does not change.
    expect((await app.client().post("/api/auth/resend-verification", { email })).status).toBe(202);
  });
});
