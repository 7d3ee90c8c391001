// Outlook.com / Hotmail / Live / MSN (and work accounts) through Microsoft Graph.
// One provider id ("outlook"); personal-account domains only change the label users see.
import { smokeChecks } from "../kit/smoke.ts";
import { z } from "zod";
import { ProviderError, plainWords } from "../kit/errors.ts";
import {
  classifyChannelFailures,
  type ChannelProvider,
  type NewAccount,
  type ProviderAccount,
  type ProviderEnv,
  type SmokeResult,
} from "../kit/channel.ts";
import { defaultRedirectUri, ROUTE, SCOPES } from "../kit/microsoft/config.ts";
import { classifyOutlookError } from "../kit/microsoft/errors.ts";
import { GraphSession } from "../kit/microsoft/graph.ts";
import { sendOutlook } from "./send.ts";
import { syncOutlook } from "./sync.ts";
import { authorizationUrl, redeemCode } from "../kit/microsoft/tokens.ts";
import meta from "./meta.ts";

const meSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  mail: z.string().nullish(),
  userPrincipalName: z.string().nullish(),
});

/** Microsoft's consumer domains, shown as the brand people know their address by. */
export function aliasLabel(address: string): string | undefined {
  const domain = address.split("@")[1]?.toLowerCase() ?? "";
  if (/^hotmail\.[a-z.]+$/.test(domain)) return "Hotmail";
  if (/^live\.[a-z.]+$/.test(domain)) return "Live";
  if (domain === "msn.com") return "MSN";
  if (/^outlook\.[a-z.]+$/.test(domain)) return "Outlook.com";
  return undefined;
}

async function profile(session: GraphSession) {
  return meSchema.parse(
    await session.call(() => session.api("/me").select(["id", "displayName", "mail", "userPrincipalName"]).get()),
  );
}

async function exchangeCode(
  env: ProviderEnv,
  p: { code: string; redirectUri: string; codeVerifier: string },
): Promise<NewAccount> {
  try {
    const credentials = await redeemCode(env, p);
    // A throwaway account so /me goes through the same Graph session code as everything else.
    const connecting: ProviderAccount = {
      id: "connecting",
      userId: "",
      externalId: "",
      address: "",
      credentials,
      saveCredentials: async () => {},
    };
    const me = await profile(new GraphSession(env, connecting));
    // Personal accounts answer mail: null; their sign-in name is the address.
    const address = (me.mail || me.userPrincipalName || "").trim().toLowerCase();
    if (!address.includes("@"))
      throw new ProviderError("permanent", "This Microsoft account has no mailbox address.", {
        code: "OUTLOOK_NO_MAILBOX",
      });
    const label = aliasLabel(address);
    return {
      externalId: me.id,
      address,
      ...(me.displayName ? { displayName: me.displayName } : {}),
      ...(label ? { aliasLabel: label } : {}),
      credentials: connecting.credentials,
      scopes: credentials.scope ? credentials.scope.split(" ").filter(Boolean) : SCOPES,
    };
  } catch (err) {
    throw classifyOutlookError(err);
  }
}

async function smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult> {
  const { run, result } = smokeChecks((err) => plainWords(classifyOutlookError(err).errorClass, "Outlook"));
  let session: GraphSession | undefined;
  await run("profile", async () => {
    session = new GraphSession(env, account);
    return (await profile(session)).id === account.externalId
      ? "signed in"
      : "signed in as a different Microsoft account";
  });
  if (session) {
    const s = session;
    await run("inbox", async () => {
      const page = z
        .object({ value: z.array(z.unknown()) })
        .parse(await s.call(() => s.api("/me/mailFolders/inbox/messages").top(1).select(["id"]).get()));
      return page.value.length ? "inbox readable" : "inbox readable (empty)";
    });
  }
  return result();
}

export const outlookProvider: ChannelProvider = {
  ...meta,
  identityKind: "email",
  capabilities: { attachments: true, webhooks: false },
  connect: {
    kind: "oauth",
    route: ROUTE,
    authorizationUrl,
    exchangeCode,
    redirectUri: defaultRedirectUri,
  },
  ...classifyChannelFailures({ sync: syncOutlook, send: sendOutlook }, classifyOutlookError),
  // The identity platform has no revocation endpoint for auth-code grants: disconnecting
  // means the inbox drops the stored tokens (the user can also remove Tatu at
  // https://account.live.com/consent/Manage). Nothing to call here.
  async disconnect() {},
  classifyError: classifyOutlookError,
  smoke,
};

export default outlookProvider;
