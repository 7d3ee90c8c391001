// Where the Square provider talks to and what a connected Square account stores.
// SQUARE_API_BASE_URL (stand-ins / rehearsal) wins; else SQUARE_ENVIRONMENT=sandbox selects
// Square's sandbox; else production.
import type { SquareClient } from "square";
import { z } from "zod";
import { loadSquareSdk } from "./sdk.ts";
import type { ProviderAccount, ProviderEnv } from "../kit/channel.ts";
import { storedCredentials } from "../kit/credentials.ts";

export const ROUTE = "square";

function envValue(env: ProviderEnv, name: string): string | undefined {
  const v = (env.config.env as Record<string, unknown>)[name];
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

/** The SDK's SquareEnvironment values (kept here so reading config does not load the SDK). */
export const SQUARE_HOSTS = {
  Production: "https://connect.squareup.com",
  Sandbox: "https://connect.squareupsandbox.com",
} as const;

export function apiBase(env: ProviderEnv): string {
  const explicit = envValue(env, "SQUARE_API_BASE_URL");
  if (explicit) return explicit.replace(/\/+$/, "");
  return envValue(env, "SQUARE_ENVIRONMENT")?.toLowerCase() === "sandbox"
    ? SQUARE_HOSTS.Sandbox
    : SQUARE_HOSTS.Production;
}

/** One client per call site; no SDK retries: the sync orchestrator owns retry timing.
 *  The SDK (~20 MB of heap) loads on first use: most processes never talk to Square. */
export async function squareClient(env: ProviderEnv, token: string): Promise<SquareClient> {
  const { SquareClient } = await loadSquareSdk();
  return new SquareClient({ token, baseUrl: apiBase(env), maxRetries: 0, timeoutInSeconds: 30 });
}

/** What connect stores (encrypted by the core). `serviceVariationId` is optional: set it to pin
 *  the Square service Tatu books; otherwise the first bookable service of the artist is used. */
export const credentialsSchema = z.object({
  accessToken: z.string().min(1),
  locationId: z.string().min(1),
  teamMemberId: z.string().min(1).optional(),
  serviceVariationId: z.string().min(1).optional(),
});
export type SquareCredentials = z.output<typeof credentialsSchema>;

export function credentialsOf(account: ProviderAccount): SquareCredentials {
  return storedCredentials(credentialsSchema, account, {
    message: "The saved Square connection is incomplete. Reconnect Square Appointments.",
    code: "SQUARE_CREDENTIALS_INVALID",
  });
}

export async function accountClient(
  env: ProviderEnv,
  account: ProviderAccount,
): Promise<{ client: SquareClient; creds: SquareCredentials }> {
  const creds = credentialsOf(account);
  return { client: await squareClient(env, creds.accessToken), creds };
}
