// Short-lived WebSocket tokens (JWT, HS256, JWT_SECRET falling back to NEXTAUTH_SECRET). The token
// names the session it was minted for, so revoking that session closes its sockets.
import { jwtVerify, SignJWT } from "jose";

const AUDIENCE = "tatu-ws";
export const WS_TOKEN_TTL_SEC = 300;

export async function signRealtimeToken(secret: string, userId: string, sessionId: string): Promise<string> {
  return new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${WS_TOKEN_TTL_SEC}s`)
    .sign(new TextEncoder().encode(secret));
}

/** The user and session, or undefined for a missing, forged or expired token (or one without a session). */
export async function verifyRealtimeToken(
  secret: string,
  token: string,
): Promise<{ userId: string; sessionId: string } | undefined> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    if (!payload.sub || typeof payload.sid !== "string") return undefined;
    return { userId: payload.sub, sessionId: payload.sid };
  } catch {
    return undefined;
  }
}
