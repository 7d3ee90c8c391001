// /api/integrations — connect, list, sync and disconnect the user's channel accounts.
// OAuth providers: GET /<route>/auth → provider consent → GET /<route>/callback.
// Credential providers (Yahoo app password): POST /<route>/connect.
import { Router, type Response } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { allChannelProviders, channelByRoute, channelProvider, asProviderError } from "../providers/registry.ts";
import type { ProviderError } from "../providers/kit/errors.ts";
import type { ChannelProvider, NewAccount, OAuth1Connect } from "../providers/kit/channel.ts";
import { badRequest, conflict, HttpError, notFound } from "../http/errors.ts";
import { artistsOnly, requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { enqueue } from "../jobs/define.ts";
import { syncJob } from "../inbox/jobs.ts";
import { syncAccount } from "../inbox/sync.ts";
import { providerEnv, publicAccount, revokeGrant, toProviderAccount, upsertAccount } from "./accounts.ts";
import { consumeOAuthState, createOAuthState, storeOAuth1Token } from "./oauth-state.ts";
import { open, sealJson } from "../security/secret-box.ts";
import { countManualSync } from "./sync-now-limit.ts";
import { TATU_PROVIDER } from "../threads/channel.ts";
import { connectTwilio, connectSchema as twilioConnectSchema } from "../providers/twilio/connect.ts";
import { isNumberTaken, numberInUse, twilioConnectPlan } from "./twilio-numbers.ts";

const resyncBody = z.object({
  since: z.iso
    .datetime({ offset: true, message: "must be an ISO date-time, e.g. 2026-11-01T00:00:00Z" })
    .or(z.iso.date({ message: "must be a date like 2026-11-01" }))
    .transform((v) => new Date(v))
    .refine((d) => d.getTime() <= Date.now(), "must not be in the future")
    .refine((d) => d.getTime() >= Date.now() - 366 * 86_400_000, "can reach back at most one year"),
});

const isUuid = (v: string) => z.uuid().safeParse(v).success;

/** Inbox channels are the studio's: customers have none to connect (and must not take one). */
const requireArtist = artistsOnly(
  "Only artist accounts connect inbox channels. Sign up as an artist to connect your mailboxes, pages and numbers.",
);

/** Integrations API: list accounts, connect (OAuth or credentials), sync now, resync, smoke-test and disconnect. */
export function integrationRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser);
  // A provider's meta.ts names the server credentials a connect needs (Twilio none: a studio may bring its own account).
  const missingEnv = (p: ChannelProvider) => (p.requiredEnv ?? []).filter((name) => ctx.config.env[name] === undefined);
  const configured = (p: ChannelProvider) => missingEnv(p).length === 0;

  async function usable(p: ChannelProvider): Promise<void> {
    if (!configured(p))
      throw new HttpError(
        503,
        "PROVIDER_NOT_CONFIGURED",
        `${p.label} is not set up on this server yet (missing ${missingEnv(p).join(", ")}).`,
      );
    if (!(await ctx.switches.isEnabled(`provider.${p.id}`)))
      throw new HttpError(503, "PROVIDER_DISABLED", `${p.label} is temporarily turned off. Try again later.`);
  }

  /** Stores the account and starts its first sync (queued with Redis; in the background inline). */
  async function connected(userId: string, p: ChannelProvider, acc: NewAccount) {
    // One grant can connect several accounts (a Facebook login: every Page and Instagram account).
    const rows = [];
    for (const one of [acc, ...(acc.linked ?? [])]) {
      const provider = (one.provider && channelProvider(one.provider)) || p;
      let row;
      try {
        row = await upsertAccount(ctx, userId, provider, one);
      } catch (err) {
        // Two connects of one Twilio number raced: the unique index let one win.
        if (provider.id === "twilio" && isNumberTaken(err)) throw numberInUse(one.externalId);
        throw err;
      }
      rows.push(row);
      const job = enqueue(ctx, syncJob(row.id, provider.id, "connect"));
      if (ctx.queue.mode === "bullmq") await job;
      else ctx.background.run(job); // inline: the first sync runs on after the redirect
    }
    return rows[0]!;
  }

  /**
   * Connects with details the caller typed and answers 201 with the new account. The provider
   * refusing the details (an error of a class in `refusals`) is the caller's 400; anything else a 502.
   */
  async function connectWithDetails(
    userId: string,
    res: Response,
    p: ChannelProvider,
    refusals: ProviderError["errorClass"][],
    connect: () => Promise<NewAccount>,
  ): Promise<void> {
    let acc: NewAccount;
    try {
      acc = await connect();
    } catch (err) {
      const e = asProviderError(err);
      if (refusals.includes(e.errorClass)) throw new HttpError(400, e.code, e.message);
      throw new HttpError(
        502,
        e.code,
        `${p.label} could not be reached to check these details. Try again in a moment.`,
      );
    }
    const row = await connected(userId, p, acc);
    res.status(201).json({ account: publicAccount(row, p) });
  }

  const ownedAccount = async (userId: string, id: string) => {
    // The built-in Tatu bookings channel is no integration: nothing to disconnect or sync.
    const row = isUuid(id)
      ? await ctx.db.connectedAccount.findFirst({ where: { id, userId, provider: { not: TATU_PROVIDER } } })
      : null;
    if (!row) throw notFound("Connected account not found.");
    return row;
  };

  r.get("/", async (req, res) => {
    const rows = await ctx.db.connectedAccount.findMany({
      where: { userId: req.user!.id, provider: { not: TATU_PROVIDER } },
      orderBy: { createdAt: "asc" },
    });
    const serverTwilio = Boolean(ctx.config.env.TWILIO_ACCOUNT_SID && ctx.config.env.TWILIO_AUTH_TOKEN);
    const assigned = serverTwilio
      ? await ctx.db.twilioNumberAssignment.findMany({
          where: { userId: req.user!.id },
          orderBy: { phoneNumber: "asc" },
          select: { phoneNumber: true },
        })
      : [];
    res.json({
      items: rows.map((row) => publicAccount(row, channelProvider(row.provider))),
      providers: allChannelProviders().map((p) => ({
        id: p.id,
        label: p.label,
        route: p.connect.route,
        connect: p.connect.kind,
        configured: configured(p),
        ui: p.ui ?? {},
      })),
      // SMS: the numbers of the server's Twilio account an admin assigned to the caller.
      twilio: { serverAccount: serverTwilio, assignedNumbers: assigned.map((a) => a.phoneNumber) },
    });
  });

  // --- OAuth -------------------------------------------------------------------------
  r.get("/:route/auth", requireArtist, async (req, res) => {
    const p = channelByRoute(String(req.params.route));
    if (!p || p.connect.kind === "credentials") throw notFound("Unknown integration.");
    await usable(p);
    let url: string;
    if (p.connect.kind === "oauth1") {
      // OAuth 1.0a: the request token is the state; its secret never leaves the server.
      const t = await p.connect
        .requestToken(providerEnv(ctx), { callbackUrl: p.connect.callbackUrl(providerEnv(ctx)) })
        .catch((err) => {
          const e = asProviderError(err);
          throw new HttpError(502, e.code, `${p.label} could not start the sign-in. Try again in a moment.`);
        });
      await storeOAuth1Token(ctx, req.user!.id, p.id, t.token, t.tokenSecret);
      url = t.url;
    } else {
      const { state, codeChallenge } = await createOAuthState(ctx, req.user!.id, p.id);
      url = p.connect.authorizationUrl(providerEnv(ctx), {
        state,
        codeChallenge,
        redirectUri: p.connect.redirectUri(providerEnv(ctx)),
      });
    }
    if (req.query.format === "json" || req.accepts(["html", "json"]) === "json") return res.json({ url });
    res.redirect(302, url);
  });

  r.get("/:route/callback", requireArtist, async (req, res) => {
    const p = channelByRoute(String(req.params.route));
    if (!p || p.connect.kind === "credentials") throw notFound("Unknown integration.");
    if (p.connect.kind === "oauth1") return oauth1Callback(req.user!.id, p, p.connect, req.query, res);
    const q = parse(
      z.object({
        state: z.string().min(1, "is missing").max(200),
        code: z.string().max(4096).optional(),
        error: z.string().max(200).optional(),
      }),
      req.query,
    );
    const checked = await consumeOAuthState(ctx, q.state, req.user!.id, p.id);
    if ("problem" in checked)
      throw badRequest(
        "This sign-in link is invalid or was already used. Start connecting again from Integrations.",
        checked.problem,
      );
    if (q.error || !q.code)
      return backToIntegrations(res, ctx, {
        provider: p.id,
        error: q.error === "access_denied" ? "ACCESS_DENIED" : "OAUTH_FAILED",
      });
    let acc: NewAccount;
    try {
      acc = await p.connect.exchangeCode(providerEnv(ctx), {
        code: q.code,
        codeVerifier: checked.codeVerifier,
        redirectUri: p.connect.redirectUri(providerEnv(ctx)),
      });
    } catch (err) {
      const e = asProviderError(err);
      ctx.log.warn({ provider: p.id, code: e.code, errorClass: e.errorClass }, "oauth code exchange failed");
      return backToIntegrations(res, ctx, { provider: p.id, error: e.code });
    }
    const row = await connected(req.user!.id, p, acc);
    backToIntegrations(res, ctx, { provider: p.id, connected: row.id });
  });

  async function oauth1Callback(
    userId: string,
    p: ChannelProvider,
    connect: OAuth1Connect,
    query: unknown,
    res: Response,
  ) {
    const q = parse(
      z.object({
        oauth_token: z.string().min(1, "is missing").max(500),
        oauth_verifier: z.string().max(500).optional(),
        denied: z.string().max(500).optional(),
      }),
      query,
    );
    const token = q.denied ?? q.oauth_token;
    const checked = await consumeOAuthState(ctx, token, userId, p.id);
    if ("problem" in checked)
      throw badRequest(
        "This sign-in link is invalid or was already used. Start connecting again from Integrations.",
        checked.problem,
      );
    if (q.denied || !q.oauth_verifier) return backToIntegrations(res, ctx, { provider: p.id, error: "ACCESS_DENIED" });
    let acc: NewAccount;
    try {
      acc = await connect.exchange(providerEnv(ctx), {
        token: q.oauth_token,
        tokenSecret: open(ctx.config.tokenEncryptionKey, checked.codeVerifier),
        verifier: q.oauth_verifier,
      });
    } catch (err) {
      const e = asProviderError(err);
      ctx.log.warn({ provider: p.id, code: e.code, errorClass: e.errorClass }, "oauth1 token exchange failed");
      return backToIntegrations(res, ctx, { provider: p.id, error: e.code });
    }
    const row = await connected(userId, p, acc);
    backToIntegrations(res, ctx, { provider: p.id, connected: row.id });
  }

  // --- SMS: a number of the server's Twilio account (assigned to the caller) or of the
  // studio's own Twilio account (its credentials must own the number) ----------------------
  r.post("/twilio/connect", requireArtist, requireJsonBody, async (req, res) => {
    const p = channelProvider("twilio")!;
    if (!(await ctx.switches.isEnabled("provider.twilio")))
      throw new HttpError(503, "PROVIDER_DISABLED", `${p.label} is temporarily turned off. Try again later.`);
    const input = parse(twilioConnectSchema, req.body);
    const plan = await twilioConnectPlan(ctx, req.user!.id, input);
    await connectWithDetails(req.user!.id, res, p, ["auth", "permanent"], () =>
      connectTwilio(providerEnv(ctx), { ...input, phoneNumber: plan.number }, plan.own),
    );
  });

  // --- Credentials (Yahoo app password) -------------------------------------------------
  r.post("/:route/connect", requireArtist, requireJsonBody, async (req, res) => {
    const p = channelByRoute(String(req.params.route));
    if (!p || p.connect.kind !== "credentials") throw notFound("Unknown integration.");
    await usable(p);
    const input = parse(p.connect.schema, req.body);
    const how = p.connect;
    await connectWithDetails(req.user!.id, res, p, ["auth"], () => how.connect(providerEnv(ctx), input));
  });

  // --- One account -------------------------------------------------------------------------
  r.get("/:id", async (req, res) => {
    const row = await ownedAccount(req.user!.id, String(req.params.id));
    const runs = await ctx.db.syncRun.findMany({
      where: { accountId: row.id },
      orderBy: { startedAt: "desc" },
      take: 10,
      select: {
        trigger: true,
        status: true,
        fetched: true,
        inserted: true,
        errorClass: true,
        startedAt: true,
        finishedAt: true,
      },
    });
    res.json({ account: publicAccount(row, channelProvider(row.provider)), recentSyncs: runs });
  });

  r.post("/:id/sync", async (req, res) => {
    const row = await ownedAccount(req.user!.id, String(req.params.id));
    await countManualSync(ctx, req.user!.id);
    const out = await syncAccount(ctx, { accountId: row.id, trigger: "manual" });
    if (out.status === "busy") throw conflict("A sync of this account is already running.", "SYNC_IN_PROGRESS");
    if (out.status === "inactive")
      throw conflict(
        "Reconnect this account before syncing it.",
        out.accountStatus === "reauth_required" ? "ACCOUNT_NEEDS_RECONNECT" : "ACCOUNT_DISABLED",
      );
    if (out.status === "ok") return res.json({ status: "ok", fetched: out.fetched, inserted: out.inserted });
    const fresh = await ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: row.id } });
    const extra = { fetched: out.fetched, inserted: out.inserted, errorClass: out.error.errorClass };
    if (out.error.errorClass === "auth")
      throw new HttpError(409, "ACCOUNT_NEEDS_RECONNECT", fresh.lastError ?? "Reconnect this account.", extra);
    if (out.error.errorClass === "rate_limit") {
      const sec = String(Math.ceil((out.error.retryAfterMs ?? 60_000) / 1000));
      throw new HttpError(
        503,
        "PROVIDER_RATE_LIMITED",
        fresh.lastError ?? "Try again later.",
        { ...extra, retryAfterSec: Number(sec) },
        { "Retry-After": sec },
      );
    }
    throw new HttpError(502, "SYNC_FAILED", fresh.lastError ?? "The sync failed.", extra);
  });

  // The provider's own smoke checks (`tatu smoke <provider>`): a cheap authenticated round trip
  // plus what the provider can tell about the grant (e.g. Meta's granted scopes and webhook
  // subscription). Reports; changes nothing.
  r.post("/:id/smoke", async (req, res) => {
    const row = await ownedAccount(req.user!.id, String(req.params.id));
    const p = channelProvider(row.provider);
    if (!p) throw notFound("Unknown provider.");
    if (row.status !== "active")
      throw conflict(
        "Reconnect this account before checking it.",
        row.status === "reauth_required" ? "ACCOUNT_NEEDS_RECONNECT" : "ACCOUNT_DISABLED",
      );
    const result = await p.smoke(providerEnv(ctx), toProviderAccount(ctx, row));
    res.json({ provider: row.provider, ...result });
  });

  r.post("/:id/resync", requireJsonBody, async (req, res) => {
    const row = await ownedAccount(req.user!.id, String(req.params.id));
    if (row.status !== "active")
      throw conflict(
        "Reconnect this account before back-filling it.",
        row.status === "reauth_required" ? "ACCOUNT_NEEDS_RECONNECT" : "ACCOUNT_DISABLED",
      );
    const { since } = parse(resyncBody, req.body);
    const job = await enqueue(ctx, syncJob(row.id, row.provider, "resync", since));
    res.status(202).json({ accountId: row.id, since, job: { id: job.id, status: job.status } });
  });

  r.delete("/:id", async (req, res) => {
    const row = await ownedAccount(req.user!.id, String(req.params.id));
    const p = channelProvider(row.provider);
    await revokeGrant(ctx, row);
    // History stays readable; the credentials are gone and nothing syncs or sends any more.
    const updated = await ctx.db.connectedAccount.update({
      where: { id: row.id },
      data: { status: "disabled", credentials: sealJson(ctx.config.tokenEncryptionKey, {}) },
    });
    res.json({ account: publicAccount(updated, p) });
  });

  return r;
}

function backToIntegrations(res: Response, ctx: AppContext, q: Record<string, string>): void {
  res.redirect(303, `${ctx.config.publicUrl}/integrations?${new URLSearchParams(q)}`);
}
