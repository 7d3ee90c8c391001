// Where the Square provider talks to and what a connected Square account stores.
// SQUARE_API_BASE_URL (stand-ins / rehearsal) wins; else SQUARE_ENVIRONMENT=sandbox selects
// Square's sandbox; else production.
import { SquareClient, SquareEnvironment } from "square";
import { z } from "zod";
import { ProviderError } from "../../channels/errors.ts";
import type { ProviderAccount, ProviderEnv } from "../../channels/types.ts";

export const ROUTE = "square";

function envValue(env: ProviderEnv, name: string): string | undefined {
  const v = (env.config.env as Record<string, unknown>)[name];
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

export function apiBase(env: ProviderEnv): string {
  const explicit = envValue(env, "SQUARE_API_BASE_URL");
  if (explicit) return explicit.replace(/\/+$/, "");
  return envValue(env, "SQUARE_ENVIRONMENT")?.toLowerCase() === "sandbox" ? SquareEnvironment.Sandbox : SquareEnvironment.Production;
}

/** One client per call site; no SDK retries: the sync orchestrator owns retry timing. */
export function squareClient(env: ProviderEnv, token: string): SquareClient {
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
  const parsed = credentialsSchema.safeParse(account.credentials);
  if (!parsed.success)
    throw new ProviderError("auth", "The saved Square connection is incomplete. Reconnect Square Appointments.", { code: "SQUARE_CREDENTIALS_INVALID" });
  return parsed.data;
}

export function accountClient(env: ProviderEnv, account: ProviderAccount): { client: SquareClient; creds: SquareCredentials } {
  const creds = credentialsOf(account);
  return { client: squareClient(env, creds.accessToken), creds };
}
