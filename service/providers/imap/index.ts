// Yahoo Mail through IMAP/SMTP with an app password (Yahoo offers no mail API to third
// parties). Really a generic IMAP/SMTP provider with Yahoo's hosts as defaults.
import type {
  ChannelProvider,
  CredentialsConnect,
  NewAccount,
  ProviderAccount,
  ProviderEnv,
  SmokeResult,
} from "../kit/channel.ts";
import { classifyYahooError } from "./errors.ts";
import { closeImap, openImap } from "./imap.ts";
import { sendYahoo } from "./send.ts";
import { credentialsOf, credentialsSchema, type Credentials } from "./settings.ts";
import { syncYahoo } from "./sync.ts";
import meta from "./meta.ts";

const connect: CredentialsConnect<typeof credentialsSchema> = {
  kind: "credentials",
  route: "yahoo",
  schema: credentialsSchema,
  /** A real IMAP login: wrong app password → auth/IMAP_AUTH_FAILED, server down → transient/IMAP_UNREACHABLE. */
  async connect(env: ProviderEnv, input: Credentials): Promise<NewAccount> {
    const client = await openImap(env, input);
    await closeImap(client);
    return {
      externalId: input.email,
      address: input.email,
      credentials: { email: input.email, appPassword: input.appPassword },
      scopes: [],
    };
  },
};

async function smoke(env: ProviderEnv, account: ProviderAccount): Promise<SmokeResult> {
  const checks: SmokeResult["checks"] = [];
  let client;
  try {
    client = await openImap(env, credentialsOf(account));
    checks.push({ name: "imap login", ok: true });
    const status = await client.status("INBOX", { messages: true, uidNext: true });
    checks.push({
      name: "imap status INBOX",
      ok: !!status,
      detail: status ? `${status.messages ?? 0} messages` : "no answer",
    });
  } catch (err) {
    const e = classifyYahooError(err, "imap");
    checks.push({
      name: checks.length ? "imap status INBOX" : "imap login",
      ok: false,
      detail: `${e.code}: ${e.message}`,
    });
  } finally {
    if (client) await closeImap(client);
  }
  return { ok: checks.every((c) => c.ok), checks };
}

export const imapProvider: ChannelProvider = {
  ...meta,
  identityKind: "email",
  capabilities: { attachments: true, webhooks: false },
  connect: connect as CredentialsConnect,
  sync: syncYahoo,
  send: sendYahoo,
  // Nothing to revoke: Tatu holds an app password, which only the user can revoke (Yahoo
  // Account security → App passwords). The inbox deletes the stored copy on disconnect.
  async disconnect() {},
  classifyError: (err) => classifyYahooError(err),
  smoke,
};

export default imapProvider;
