// Account flows driven through the public API (signup → dev outbox → verify → login).
import type { TestApp } from "./app.ts";
import { uniqueEmail } from "./app.ts";
import type { HttpClient } from "./http.ts";

export const PASSWORD = "correct-horse-9";

export async function latestVerificationToken(app: TestApp, email: string): Promise<string> {
  const res = await app.client().get(`/api/dev/outbox?to=${encodeURIComponent(email)}`);
  const link: string | undefined = res.body.emails?.[0]?.links?.find((l: string) => l.includes("/verify-email?token="));
  if (!link) throw new Error(`no verification email for ${email}`);
  return new URL(link).searchParams.get("token")!;
}

/** The token of the newest password reset link mailed to this address. */
export async function latestResetToken(app: TestApp, email: string): Promise<string> {
  const res = await app.client().get(`/api/dev/outbox?to=${encodeURIComponent(email)}`);
  for (const mail of res.body.emails ?? []) {
    const link: string | undefined = mail.links?.find((l: string) => l.includes("/reset-password?token="));
    if (link) return new URL(link).searchParams.get("token")!;
  }
  throw new Error(`no password reset email for ${email}`);
}

/** A verified, signed-in user with their own cookie jar. */
export async function signedInUser(
  app: TestApp,
  opts: { email?: string; role?: "artist" | "customer" } = {},
): Promise<{ client: HttpClient; email: string; userId: string }> {
  const client = app.client();
  const email = opts.email ?? uniqueEmail();
  const signup = await client.post("/api/auth/signup", {
    email,
    password: PASSWORD,
    name: "Test User",
    role: opts.role ?? "artist",
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${signup.text}`);
  const token = await latestVerificationToken(app, email);
  const verify = await client.get(`/api/auth/verify-email?token=${token}`);
  if (verify.status !== 200) throw new Error(`verify failed: ${verify.text}`);
  const login = await client.post("/api/auth/login", { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${login.text}`);
  return { client, email, userId: signup.body.userId };
}

/** Another session of the same user (a second device), logged in through the API. */
export async function anotherSession(app: TestApp, email: string, password = PASSWORD): Promise<HttpClient> {
  const client = app.client();
  const login = await client.post("/api/auth/login", { email, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return client;
}
