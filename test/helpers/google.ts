// The Google provider tests' setting: the Google stand-in behind the network guard, and the
// real Gmail connect flow (its grant covers the calendar too).
import { expect } from "vitest";
import { gmailProvider } from "../../service/providers/gmail/index.ts";
import type { OAuthConnect, ProviderAccount, ProviderEnv } from "../../service/providers/kit/channel.ts";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { pkce, standInSuite } from "./providers.ts";

export const REDIRECT = "http://localhost:3000/api/integrations/google/callback";
export const connect = gmailProvider.connect as OAuthConnect;

// Set by the suite's beforeAll; importers see them through live bindings.
export let google: GoogleStandIn;
export let env: ProviderEnv;

/** Registers the suite hooks; `tag` names the scratch data dir. */
export function useGoogleStandIn(tag: string): void {
  standInSuite(tag, startGoogleStandIn, (standIn, e) => {
    google = standIn;
    env = e;
  });
}

let seq = 0;
export const newAddress = (name: string) => `${name}${++seq}@gmail.com`;

/** Follows the consent redirect of the stand-in; returns the query the app's callback would get. */
export async function consent(url: string): Promise<URLSearchParams> {
  const res = await fetch(url, { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!).searchParams;
}

export interface Connected {
  account: ProviderAccount;
  saved: Record<string, unknown>[];
}

/** The real connect flow for an existing mailbox: authorization URL → consent → code exchange
 *  with the PKCE verifier; `saved` records each credentials refresh. */
export async function connectMailbox(email: string): Promise<Connected> {
  google.consentAs(email);
  const { verifier, challenge } = pkce();
  const q = await consent(
    connect.authorizationUrl(env, { state: "s", redirectUri: REDIRECT, codeChallenge: challenge }),
  );
  const created = await connect.exchangeCode(env, {
    code: q.get("code")!,
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
  const saved: Record<string, unknown>[] = [];
  const account: ProviderAccount = {
    id: `acc-${email}`,
    userId: "user-1",
    externalId: created.externalId,
    address: created.address,
    credentials: created.credentials,
    saveCredentials: async (next) => {
      saved.push(next);
      account.credentials = next;
    },
  };
  return { account, saved };
}
