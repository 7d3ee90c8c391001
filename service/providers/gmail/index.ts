// Gmail channel: Google OAuth (PKCE) connect, sync via messages.list back-fill + history.list,
// send via users.messages.send, all through the official googleapis SDK. Endpoints follow
// GOOGLE_OAUTH_BASE_URL / GOOGLE_API_BASE_URL so the same code runs against the stand-in
// (standins/google) in tests and `tatu launch --rehearse`.
import { smokeChecks } from "../kit/smoke.ts";
import type { ChannelProvider, SmokeResult } from "../kit/channel.ts";
import { GmailSession, oauthClient } from "../kit/google/session.ts";
import { googleConnect } from "./connect.ts";
import { classifyGmailError } from "../kit/google/errors.ts";
import { sendGmail, type SendTuning } from "./send.ts";
import { syncGmail, type SyncTuning } from "./sync.ts";
import meta from "./meta.ts";

export type GmailTuning = SyncTuning & SendTuning;

const defaults: GmailTuning = { pageSize: 100, concurrency: 5, uploadThresholdBytes: 3 * 1024 * 1024 };

/** The provider with its tuning knobs (tests use small pages to exercise resumable cursors). */
export function createGmailProvider(overrides: Partial<GmailTuning> = {}): ChannelProvider {
  const tuning = { ...defaults, ...overrides };
  return {
    ...meta,
    identityKind: "email",
    capabilities: { attachments: true, webhooks: false },
    connect: googleConnect,
    classifyError: classifyGmailError,

    sync: (env, account, cursor, opts) => syncGmail(env, account, cursor, opts, tuning),

    send: (env, account, draft) => sendGmail(env, account, draft, tuning),

    async disconnect(env, account) {
      const token = account.credentials.refresh_token ?? account.credentials.access_token;
      if (typeof token !== "string") return;
      try {
        await oauthClient(env).revokeToken(token);
      } catch (err) {
        const e = classifyGmailError(err);
        // 400 invalid_token etc.: the grant is already dead, which is what we wanted.
        if (e.status !== undefined && e.status < 500 && e.status !== 429) return;
        throw e;
      }
    },

    async smoke(env, account): Promise<SmokeResult> {
      const { run, open, result } = smokeChecks((err) => classifyGmailError(err).message);
      const s = await open("credentials", () => new GmailSession(env, account));
      if (s) {
        await run("users.getProfile", async () => {
          const p = await s.call((g) => g.users.getProfile({ userId: "me" }));
          if (p.emailAddress?.toLowerCase() !== account.address.toLowerCase())
            throw new Error(`token belongs to another mailbox`);
          return `${p.messagesTotal ?? 0} messages`;
        });
        await run("users.messages.list", async () => {
          const l = await s.call((g) => g.users.messages.list({ userId: "me", maxResults: 1 }));
          return `${l.resultSizeEstimate ?? 0} listed`;
        });
      }
      return result();
    },
  };
}

export const gmailProvider: ChannelProvider = createGmailProvider();

export default gmailProvider;
