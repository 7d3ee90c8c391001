// Mail through IMAP/SMTP with an app password: Yahoo (which offers no mail API to third
// parties), iCloud Mail, Fastmail, Zoho or any server the user names (presets.ts). The stored
// id stays "yahoo", Yahoo being the first preset.
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
import { watchInbox } from "./idle.ts";
import { sendYahoo } from "./send.ts";
import { presetOf } from "./presets.ts";
import { dialTarget } from "./server-guard.ts";
import { credentialsOf, credentialsSchema, endpoints, type Credentials } from "./settings.ts";
import { syncYahoo } from "./sync.ts";
import meta from "./meta.ts";

const connect: CredentialsConnect<typeof credentialsSchema> = {
  kind: "credentials",
  route: "yahoo",
  schema: credentialsSchema,
  /** A real IMAP login: wrong app password → auth/IMAP_AUTH_FAILED, server down → transient/IMAP_UNREACHABLE,
   *  a user's server on a private address → auth/IMAP_SERVER_NOT_ALLOWED (SMTP's checked too, sending comes later). */
  async connect(env: ProviderEnv, input: Credentials): Promise<NewAccount> {
    await dialTarget(env, endpoints(env, input).smtp);
    const client = await openImap(env, input);
    await closeImap(client);
    // Stored as before for Yahoo; the others keep their preset (and servers), and the list
    // shows which service they are on.
    const { preset = "yahoo", email, appPassword } = input;
    if (preset === "yahoo")
      return { externalId: email, address: email, credentials: { email, appPassword }, scopes: [] };
    const service = preset === "other" ? input.imapHost : presetOf(preset).label;
    return {
      externalId: email,
      address: email,
      aliasLabel: `${email} (${service})`,
      credentials: { ...input },
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
  // New mail in seconds on long-running workers (service/inbox/push); polling stays the safety net.
  watch: watchInbox,
};

export default imapProvider;
