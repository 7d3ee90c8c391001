// Short-lived WebSocket tokens (JWT, HS256, JWT_SECRET falling back to NEXTAUTH_SECRET).
import { jwtVerify, SignJWT } from "jose";

const AUDIENCE = "tatu-ws";
export const WS_TOKEN_TTL_SEC = 300;

export async function signRealtimeToken(secret: string, userId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${WS_TOKEN_TTL_SEC}s`)
    .sign(new TextEncoder().encode(secret));
}

/** The user id, or undefined for a missing, forged or expired token. */
export async function verifyRealtimeToken(secret: string, token: string): Promise<string | undefined> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { audience: AUDIENCE, algorithms: ["HS256"] });
    return payload.sub;
  } catch {
    return undefined;
  }
}
