// OAuth `state` + PKCE verifier: random, stored hashed, single-use (atomic claim), expiring
// after 10 minutes, and bound to the user who started the connect.
import { createHash, randomBytes } from "node:crypto";
import type { AppContext } from "../context.ts";
import { hashToken } from "../auth/crypto.ts";
import { seal } from "../security/secret-box.ts";

const TTL_MS = 10 * 60 * 1000;

/** A one-time OAuth state (stored hashed, 10 min) and the PKCE code challenge for it. */
export async function createOAuthState(
  ctx: AppContext,
  userId: string,
  provider: string,
): Promise<{ state: string; codeChallenge: string }> {
  const state = randomBytes(32).toString("base64url");
  const codeVerifier = randomBytes(48).toString("base64url");
  await ctx.db.oAuthState.create({
    data: { stateHash: hashToken(state), userId, provider, codeVerifier, expiresAt: new Date(Date.now() + TTL_MS) },
  });
  return { state, codeChallenge: createHash("sha256").update(codeVerifier).digest("base64url") };
}

/** OAuth 1.0a: the request token plays the state; its secret is stored sealed until the callback. */
export async function storeOAuth1Token(
  ctx: AppContext,
  userId: string,
  provider: string,
  token: string,
  tokenSecret: string,
): Promise<void> {
  await ctx.db.oAuthState.create({
    data: {
      stateHash: hashToken(token),
      userId,
      provider,
      codeVerifier: seal(ctx.config.tokenEncryptionKey, tokenSecret),
      expiresAt: new Date(Date.now() + TTL_MS),
    },
  });
}

export type StateProblem = "OAUTH_STATE_INVALID" | "OAUTH_STATE_USED" | "OAUTH_STATE_EXPIRED" | "OAUTH_STATE_MISMATCH";

/** Claims the state once; the verifier comes back only to the user and provider it was made for. */
export async function consumeOAuthState(
  ctx: AppContext,
  state: string,
  userId: string,
  provider: string,
): Promise<{ codeVerifier: string } | { problem: StateProblem }> {
  const stateHash = hashToken(state);
  const claimed = await ctx.db.oAuthState.updateMany({
    where: { stateHash, usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  const row = await ctx.db.oAuthState.findUnique({ where: { stateHash } });
  if (!row) return { problem: "OAUTH_STATE_INVALID" };
  if (claimed.count === 0) return { problem: row.usedAt ? "OAUTH_STATE_USED" : "OAUTH_STATE_EXPIRED" };
  if (row.userId !== userId || row.provider !== provider) return { problem: "OAUTH_STATE_MISMATCH" };
  return { codeVerifier: row.codeVerifier };
}
