// The Gmail provider through the real googleapis / google-auth-library SDKs against the
// Google stand-in (standins/google): OAuth with PKCE, back-fill + history sync,
// resumable cursors, expired history, token refresh, error classes, attachments, sending.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ProviderError } from "../../service/providers/kit/errors.ts";
import { createGmailProvider, gmailProvider } from "../../service/providers/gmail/index.ts";
import type {
  ChannelProvider,
  InboundMessage,
  ProviderAccount,
  SyncCursor,
  SyncOptions,
  SyncPage,
} from "../../service/providers/kit/channel.ts";

import { pkce, sha256 } from "../helpers/providers.ts";
import {
  connect,
  connectMailbox,
  consent,
  env,
  google,
  newAddress,
  REDIRECT,
  useGoogleStandIn,
  type Connected,
} from "../helpers/google.ts";

const weekAgo = () => new Date(Date.now() - 7 * 86_400_000);

useGoogleStandIn("gmail");

/** A new mailbox named `name`, connected through the real flow. */
async function connectNew(email: string, name = "Test User"): Promise<Connected> {
  google.addMailbox(email, { name });
  return connectMailbox(email);
}

async function collect(
  account: ProviderAccount,
  cursor: SyncCursor | null,
  opts: SyncOptions = { since: weekAgo() },
  provider: ChannelProvider = gmailProvider,
) {
  const pages: SyncPage[] = [];
  for await (const page of provider.sync(env, account, cursor, opts)) pages.push(page);
  return { pages, messages: pages.flatMap((p) => p.messages), cursor: pages.at(-1)?.cursor ?? cursor };
}

async function syncError(account: ProviderAccount, cursor: SyncCursor | null = null): Promise<ProviderError> {
  const err = await collect(account, cursor).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

const ids = (msgs: InboundMessage[]) => msgs.map((m) => m.externalId);

describe("OAuth connect", () => {
  it("asks for offline Gmail + Calendar access with PKCE and exchanges the code for a mailbox", async () => {
    const email = newAddress("connect");
    google.addMailbox(email, { name: "Ana Tattoo" });
    google.consentAs(email);
    const { verifier, challenge } = pkce();
    const url = new URL(
      connect.authorizationUrl(env, { state: "state-123", redirectUri: REDIRECT, codeChallenge: challenge }),
    );
    expect(url.origin + url.pathname).toBe(`${google.url}/o/oauth2/v2/auth`);
    const p = url.searchParams;
    expect(p.get("client_id")).toBe(google.clientId);
    expect(p.get("redirect_uri")).toBe(REDIRECT);
    expect(p.get("response_type")).toBe("code");
    expect(p.get("access_type")).toBe("offline");
    expect(p.get("prompt")).toBe("consent");
    expect(p.get("include_granted_scopes")).toBe("true");
    expect(p.get("code_challenge")).toBe(challenge);
    expect(p.get("code_challenge_method")).toBe("S256");
    expect(p.get("scope")!.split(" ")).toEqual(
      expect.arrayContaining([
        "https://www.googleapis.com/auth/gmail.readonly",
        "https://www.googleapis.com/auth/gmail.send",
        "https://www.googleapis.com/auth/calendar",
        "openid",
        "email",
        "profile",
      ]),
    );
    expect(connect.redirectUri(env)).toBe(`${env.config.publicUrl}/api/integrations/google/callback`);

    const q = await consent(url.toString());
    expect(q.get("state")).toBe("state-123");
    const account = await connect.exchangeCode(env, {
      code: q.get("code")!,
      redirectUri: REDIRECT,
      codeVerifier: verifier,
    });
    expect(account).toMatchObject({ externalId: email, address: email, displayName: "Ana Tattoo" });
    expect(account.credentials).toMatchObject({
      refresh_token: expect.stringMatching(/^1\/\//),
      access_token: expect.stringMatching(/^ya29\./),
      expiry_date: expect.any(Number),
    });
    expect(account.scopes).toContain("https://www.googleapis.com/auth/gmail.send");
  });

  it("rejects a code redeemed with the wrong PKCE verifier, and a code used twice", async () => {
    const email = newAddress("pkce");
    google.addMailbox(email);
    google.consentAs(email);
    const { challenge } = pkce();
    const q = await consent(
      connect.authorizationUrl(env, { state: "s", redirectUri: REDIRECT, codeChallenge: challenge }),
    );
    const wrong = await connect
      .exchangeCode(env, { code: q.get("code")!, redirectUri: REDIRECT, codeVerifier: pkce().verifier })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ProviderError);
    expect(wrong).toMatchObject({ errorClass: "auth", code: "GOOGLE_INVALID_GRANT" });

    const second = pkce();
    const q2 = await consent(
      connect.authorizationUrl(env, { state: "s", redirectUri: REDIRECT, codeChallenge: second.challenge }),
    );
    await connect.exchangeCode(env, { code: q2.get("code")!, redirectUri: REDIRECT, codeVerifier: second.verifier });
    await expect(
      connect.exchangeCode(env, { code: q2.get("code")!, redirectUri: REDIRECT, codeVerifier: second.verifier }),
    ).rejects.toMatchObject({ errorClass: "auth", code: "GOOGLE_INVALID_GRANT" });
  });

  it("refuses a grant where the user unticked Gmail send", async () => {
    const email = newAddress("granular");
    google.addMailbox(email);
    google.consentAs(email, { withhold: ["https://www.googleapis.com/auth/gmail.send"] });
    const { verifier, challenge } = pkce();
    const q = await consent(
      connect.authorizationUrl(env, { state: "s", redirectUri: REDIRECT, codeChallenge: challenge }),
    );
    await expect(
      connect.exchangeCode(env, { code: q.get("code")!, redirectUri: REDIRECT, codeVerifier: verifier }),
    ).rejects.toMatchObject({ errorClass: "auth", code: "GOOGLE_SCOPES_MISSING" });
  });
});

describe("sync", () => {
  it("back-fills the window (inbox + sent, not spam or older mail), then picks up new mail from history once", async () => {
    const email = newAddress("sync");
    const { account } = await connectNew(email);
    const old = await google.deliver(email, {
      from: "old@example.com",
      subject: "Last year",
      text: "old",
      date: new Date(Date.now() - 30 * 86_400_000),
    });
    const spam = await google.deliver(email, {
      from: "spam@example.com",
      subject: "Win",
      text: "spam",
      labels: ["SPAM"],
    });
    const a = await google.deliver(email, {
      from: "Bea Client <bea@example.com>",
      cc: "friend@example.com",
      subject: "Sleeve idea",
      text: "Hi! Koi fish?",
      html: "<p>Hi! <b>Koi</b> fish?</p>",
    });
    const read = await google.deliver(email, {
      from: "carl@example.com",
      subject: "Already read",
      text: "seen",
      labels: ["INBOX"],
    });
    const sent = await google.deliver(email, {
      from: email,
      to: "bea@example.com",
      subject: "Re: Sleeve idea",
      text: "Sure",
      labels: ["SENT"],
      threadId: a.threadId,
      inReplyTo: a.messageId,
      references: a.messageId,
    });

    const first = await collect(account, null);
    expect(ids(first.messages).sort()).toEqual([a.id, read.id, sent.id].sort());
    expect(ids(first.messages)).not.toContain(old.id);
    expect(ids(first.messages)).not.toContain(spam.id);
    expect(first.cursor).toMatchObject({ phase: "incremental", historyId: google.historyId(email) });

    const inbound = first.messages.find((m) => m.externalId === a.id)!;
    expect(inbound).toMatchObject({
      threadKey: a.threadId,
      direction: "inbound",
      from: { name: "Bea Client", handle: "bea@example.com" },
      to: [{ handle: email }],
      cc: [{ handle: "friend@example.com" }],
      subject: "Sleeve idea",
      text: "Hi! Koi fish?",
      html: "<p>Hi! <b>Koi</b> fish?</p>",
      seen: false,
      rfc822MessageId: a.messageId,
      attachments: [],
    });
    const stored = google.messages(email).find((m) => m.id === a.id)!;
    expect(inbound.sentAt.getTime()).toBe(Number(stored.internalDate));
    expect(first.messages.find((m) => m.externalId === read.id)!.seen).toBe(true);
    const out = first.messages.find((m) => m.externalId === sent.id)!;
    expect(out).toMatchObject({
      direction: "outbound",
      threadKey: a.threadId,
      inReplyTo: a.messageId,
      references: [a.messageId],
    });

    const b = await google.deliver(email, { from: "dan@example.com", subject: "Booking", text: "Friday?" });
    const c = await google.deliver(email, { from: "eve@example.com", subject: "Flash sheet", text: "Price?" });
    const second = await collect(account, first.cursor, {});
    expect(ids(second.messages)).toEqual([b.id, c.id]);
    expect(second.cursor).toMatchObject({ phase: "incremental", historyId: google.historyId(email) });
    expect(google.requests().some((r) => r.path.includes("/history?"))).toBe(true);

    const third = await collect(account, second.cursor, {});
    expect(third.messages).toEqual([]);
  });

  it("resumes from a mid-back-fill cursor without a gap or re-fetching more than a page", async () => {
    const email = newAddress("resume");
    const { account } = await connectNew(email);
    const seeded = [];
    for (let i = 0; i < 7; i++)
      seeded.push(await google.deliver(email, { from: `c${i}@example.com`, subject: `Msg ${i}`, text: `body ${i}` }));
    const small = createGmailProvider({ pageSize: 2 });

    // "Crash" after the first committed page.
    let firstPage: SyncPage | undefined;
    for await (const page of small.sync(env, account, null, { since: weekAgo(), maxMessages: 100 })) {
      firstPage = page;
      break;
    }
    if (!firstPage) throw new Error("no page");
    expect(firstPage.messages).toHaveLength(2);
    expect(firstPage.cursor).toMatchObject({ phase: "backfill", pageToken: expect.any(String) });

    const late = await google.deliver(email, {
      from: "late@example.com",
      subject: "While down",
      text: "arrived mid back-fill",
    });
    const rest = await collect(account, firstPage.cursor, {}, small);
    const all = [...ids(firstPage.messages), ...ids(rest.messages)];
    expect(new Set(all)).toEqual(new Set([...seeded.map((s) => s.id), late.id]));
    expect(all).toHaveLength(8); // nothing fetched twice
    expect(rest.pages.filter((p) => (p.cursor as { phase: string }).phase === "backfill").length).toBeGreaterThan(0);
    expect(rest.cursor).toMatchObject({ phase: "incremental", historyId: google.historyId(email) });
  });

  it("resumes mid-history from the last committed page", async () => {
    const email = newAddress("histresume");
    const { account } = await connectNew(email);
    const small = createGmailProvider({ pageSize: 2 });
    const start = await collect(account, null, { since: weekAgo() }, small);
    const fresh = [];
    for (let i = 0; i < 5; i++)
      fresh.push(await google.deliver(email, { from: `h${i}@example.com`, subject: `H${i}`, text: "h" }));
    let firstPage: SyncPage | undefined;
    for await (const page of small.sync(env, account, start.cursor, {})) {
      firstPage = page;
      break;
    }
    expect(ids(firstPage!.messages)).toEqual(fresh.slice(0, 2).map((m) => m.id));
    const rest = await collect(account, firstPage!.cursor, {}, small);
    expect(ids(rest.messages)).toEqual(fresh.slice(2).map((m) => m.id));
    expect(rest.cursor).toMatchObject({ phase: "incremental", historyId: google.historyId(email) });
  });

  it("bounds the back-fill by maxMessages (newest first)", async () => {
    const email = newAddress("bound");
    const { account } = await connectNew(email);
    const seeded = [];
    for (let i = 0; i < 5; i++)
      seeded.push(
        await google.deliver(email, {
          from: "x@example.com",
          subject: `N${i}`,
          text: "x",
          date: new Date(Date.now() - (5 - i) * 60_000),
        }),
      );
    const r = await collect(account, null, { since: weekAgo(), maxMessages: 3 }, createGmailProvider({ pageSize: 2 }));
    expect(new Set(ids(r.messages))).toEqual(new Set(seeded.slice(2).map((s) => s.id)));
    expect(r.cursor).toMatchObject({ phase: "incremental" });
  });

  it("re-syncs the window when Google has expired the history id, with no duplicates", async () => {
    const email = newAddress("expired");
    const { account } = await connectNew(email);
    const before = [
      await google.deliver(email, { from: "a@example.com", subject: "One", text: "1" }),
      await google.deliver(email, { from: "b@example.com", subject: "Two", text: "2" }),
    ];
    const first = await collect(account, null);
    const store = new Map(first.messages.map((m) => [m.externalId, m]));

    const after = [
      await google.deliver(email, { from: "c@example.com", subject: "Three", text: "3" }),
      await google.deliver(email, { from: "d@example.com", subject: "Four", text: "4" }),
    ];
    google.expireHistoryBefore(email);
    const resync = await collect(account, first.cursor, {});
    expect(google.requests().some((r) => r.path.includes("/history?") && r.status === 404)).toBe(true);
    const got = ids(resync.messages);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual(expect.arrayContaining(after.map((m) => m.id)));
    for (const m of resync.messages) store.set(m.externalId, m);
    expect([...store.keys()].sort()).toEqual([...before, ...after].map((m) => m.id).sort());
    expect(resync.cursor).toMatchObject({ phase: "incremental", historyId: google.historyId(email) });
  });

  it("walks the window again when a stored back-fill page token is no longer honoured", async () => {
    const email = newAddress("pagetoken");
    const { account } = await connectNew(email);
    const seeded = [
      await google.deliver(email, { from: "a@example.com", subject: "A", text: "a" }),
      await google.deliver(email, { from: "b@example.com", subject: "B", text: "b" }),
    ];
    const stale = {
      phase: "backfill",
      historyId: google.historyId(email),
      after: Math.floor(weekAgo().getTime() / 1000),
      pageToken: "12345678901234567890",
      fetched: 1,
      max: 100,
    };
    const r = await collect(account, stale, {});
    expect(ids(r.messages).sort()).toEqual(seeded.map((s) => s.id).sort());
    expect(r.cursor).toMatchObject({ phase: "incremental" });
  });

  it("skips a message deleted between list and get", async () => {
    const email = newAddress("deleted");
    const { account } = await connectNew(email);
    const keep = await google.deliver(email, { from: "a@example.com", subject: "Keep", text: "k" });
    const gone = await google.deliver(email, { from: "b@example.com", subject: "Gone", text: "g" });
    google.failNext(1, { status: 404, match: `/messages/${gone.id}?` });
    const r = await collect(account, null);
    expect(ids(r.messages)).toEqual([keep.id]);
    expect(r.cursor).toMatchObject({ phase: "incremental" });
  });

  it("downloads attachments byte-identical", async () => {
    const email = newAddress("attach");
    const { account } = await connectNew(email);
    const photo = randomBytes(300_000);
    const notes = Buffer.from("Größe: 15cm — Unterarm\n", "utf8");
    const d = await google.deliver(email, {
      from: "f@example.com",
      subject: "Reference pics",
      text: "see attached",
      html: "<p>see attached</p>",
      attachments: [
        { filename: "ref photo.jpg", content: photo, contentType: "image/jpeg" },
        { filename: "notizen-größe.txt", content: notes, contentType: "text/plain" },
      ],
    });
    const r = await collect(account, null);
    const msg = r.messages.find((m) => m.externalId === d.id)!;
    expect(msg.text).toBe("see attached");
    expect(msg.attachments.map((a) => [a.filename, a.contentType, sha256(a.content)])).toEqual([
      ["ref photo.jpg", "image/jpeg", sha256(photo)],
      ["notizen-größe.txt", "text/plain", sha256(notes)],
    ]);
  });
});

describe("tokens and errors", () => {
  it("refreshes an expired access token and saves the new one before going on", async () => {
    const email = newAddress("refresh");
    const { account, saved } = await connectNew(email);
    await google.deliver(email, { from: "a@example.com", subject: "Hi", text: "x" });
    const old = account.credentials.access_token;
    account.credentials = { ...account.credentials, expiry_date: Date.now() - 1000 };
    const r = await collect(account, null);
    expect(r.messages).toHaveLength(1);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({
      refresh_token: account.credentials.refresh_token,
      access_token: expect.stringMatching(/^ya29\./),
      expiry_date: expect.any(Number),
    });
    expect(saved[0]!.access_token).not.toBe(old);
    expect(saved[0]!.expiry_date as number).toBeGreaterThan(Date.now());
  });

  it("refreshes once when Google rejects a token we thought valid (401), then continues", async () => {
    const email = newAddress("revoked-at");
    const { account, saved } = await connectNew(email);
    await google.deliver(email, { from: "a@example.com", subject: "Hi", text: "x" });
    google.expireAccessTokens(email);
    const mark = google.requests().length;
    const r = await collect(account, null);
    expect(r.messages).toHaveLength(1);
    expect(saved).toHaveLength(1);
    const log = google.requests().slice(mark);
    expect(log[0]).toMatchObject({ status: 401 });
    expect(log[1]).toMatchObject({ method: "POST", path: "/token", status: 200 });
  });

  it("a token endpoint outage during refresh is transient, not a reason to reconnect", async () => {
    const email = newAddress("tokenoutage");
    const { account } = await connectNew(email);
    account.credentials = { ...account.credentials, expiry_date: Date.now() - 1000 };
    google.failNext(1, { status: 503, target: "oauth", match: "/token" });
    const mark = google.requests().length;
    const err = await syncError(account);
    expect(err).toMatchObject({ errorClass: "transient", status: 503 });
    expect(google.requests().slice(mark)).toEqual([expect.objectContaining({ path: "/token", status: 503 })]);
  });

  it("classifies a revoked refresh token as auth", async () => {
    const email = newAddress("revoked");
    const { account } = await connectNew(email);
    google.revokeRefreshTokens(email);
    const err = await syncError(account);
    expect(err).toMatchObject({ errorClass: "auth", code: "GOOGLE_INVALID_GRANT" });
    expect(err.message).not.toContain(String(account.credentials.refresh_token));
  });

  it("classifies 429 as rate_limit with Retry-After, without SDK retries", async () => {
    const email = newAddress("ratelimit");
    const { account } = await connectNew(email);
    google.failNext(1, { status: 429, retryAfter: 7 });
    const mark = google.requests().length;
    const err = await syncError(account);
    expect(err).toMatchObject({ errorClass: "rate_limit", retryAfterMs: 7000, status: 429 });
    expect(google.requests().slice(mark)).toHaveLength(1);
  });

  it("classifies 503 as transient, without SDK retries", async () => {
    const email = newAddress("unavailable");
    const { account } = await connectNew(email);
    const first = await collect(account, null);
    google.failNext(1, { status: 503, match: "/history" });
    const mark = google.requests().length;
    const err = await syncError(account, first.cursor);
    expect(err).toMatchObject({ errorClass: "transient", status: 503 });
    expect(google.requests().slice(mark)).toHaveLength(1);
  });

  it("disconnect revokes the grant and tolerates an already-dead one; smoke checks the mailbox", async () => {
    const email = newAddress("disconnect");
    const { account } = await connectNew(email);
    const smoke = await gmailProvider.smoke(env, account);
    expect(smoke.ok).toBe(true);
    await gmailProvider.disconnect!(env, account);
    expect((await syncError(account)).errorClass).toBe("auth");
    await expect(gmailProvider.disconnect!(env, account)).resolves.toBeUndefined();
    const after = await gmailProvider.smoke(env, account);
    expect(after.ok).toBe(false);
  });
});

describe("send", () => {
  async function threadWithInbound() {
    const email = newAddress("send");
    const { account } = await connectNew(email);
    const d = await google.deliver(email, {
      from: "Bea <bea@example.com>",
      subject: "Sleeve idea",
      text: "Koi?",
      references: "<earlier@example.com>",
    });
    const first = await collect(account, null);
    const original = first.messages.find((m) => m.externalId === d.id)!;
    return { email, account, original, cursor: first.cursor };
  }

  it.each([
    ["JSON raw", gmailProvider, "/gmail/v1/users/me/messages/send"],
    [
      "media upload",
      createGmailProvider({ uploadThresholdBytes: 1 }),
      "/upload/gmail/v1/users/me/messages/send?uploadType=multipart",
    ],
  ] as const)(
    "replies in the thread with threading headers and an attachment (%s)",
    async (_name, provider, sendPath) => {
      const { email, account, original, cursor } = await threadWithInbound();
      const design = randomBytes(50_000);
      const sent = await provider.send(env, account, {
        threadKey: original.threadKey!,
        subject: "Sleeve idea",
        to: [{ name: "Bea", handle: "bea@example.com" }],
        cc: [],
        text: "Here is a first sketch.",
        html: "<p>Here is a first sketch.</p>",
        replyTo: {
          externalId: original.externalId,
          rfc822MessageId: original.rfc822MessageId,
          references: original.references,
        },
        attachments: [{ filename: "sketch.png", contentType: "image/png", content: design }],
      });
      expect(google.requests().some((r) => r.method === "POST" && r.path === sendPath && r.status === 200)).toBe(true);

      const box = google.sent(email);
      expect(box).toHaveLength(1);
      const [out] = box;
      expect(sent).toMatchObject({
        externalId: out!.id,
        threadKey: original.threadKey,
        status: "sent",
        inReplyTo: original.rfc822MessageId,
      });
      expect(out!.threadId).toBe(original.threadKey);
      expect(out!.parsed.subject).toBe("Re: Sleeve idea");
      expect(out!.parsed.inReplyTo).toBe(original.rfc822MessageId);
      expect(out!.parsed.references).toEqual(["<earlier@example.com>", original.rfc822MessageId]);
      expect(out!.parsed.to).toMatchObject({ value: [{ address: "bea@example.com", name: "Bea" }] });
      expect(out!.parsed.attachments.map((a) => [a.filename, sha256(a.content)])).toEqual([
        ["sketch.png", sha256(design)],
      ]);
      // Gmail's own Message-ID (what Bea's reply will reference), not the one we composed.
      expect(sent.rfc822MessageId).toBe(out!.parsed.messageId);

      // The sent copy comes back through history as outbound in the same thread, same id.
      const next = await collect(account, cursor, {});
      expect(next.messages).toHaveLength(1);
      expect(next.messages[0]).toMatchObject({
        externalId: sent.externalId,
        direction: "outbound",
        threadKey: original.threadKey,
        rfc822MessageId: sent.rfc822MessageId,
      });
      expect(sha256(next.messages[0]!.attachments[0]!.content)).toBe(sha256(design));
    },
  );

  it("reads missing threading headers from the original message", async () => {
    const { email, account, original } = await threadWithInbound();
    const sent = await gmailProvider.send(env, account, {
      threadKey: original.threadKey!,
      to: [{ handle: "bea@example.com" }],
      cc: [],
      text: "ok",
      attachments: [],
      replyTo: { externalId: original.externalId },
    });
    const out = google.sent(email)[0]!;
    expect(out.parsed.subject).toBe("Re: Sleeve idea");
    expect(out.parsed.inReplyTo).toBe(original.rfc822MessageId);
    expect(out.threadId).toBe(original.threadKey);
    expect(sent.threadKey).toBe(original.threadKey);
  });
});
