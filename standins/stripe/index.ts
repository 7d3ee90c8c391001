// Local stand-in for the Stripe API parts Tatu uses (Checkout Sessions, Refunds) with Stripe's
// form encoding, object shapes and error bodies, and for Stripe calling us: signed
// `checkout.session.completed` / `.expired` events (signed by the official stripe library).
// It also hosts the checkout page a session's `url` points at, so a browser pays (or leaves)
// the way a customer does: "Pay" completes the session, posts the signed event to the webhook
// endpoint (setWebhookEndpoint, Stripe's dashboard setting) and redirects to success_url with
// {CHECKOUT_SESSION_ID} filled in; "Back" goes to cancel_url.
import http from "node:http";
import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { closeServer, listenLoopback } from "../shared/http.ts";

export interface CheckoutSession {
  id: string;
  object: "checkout.session";
  mode: string;
  status: "open" | "complete" | "expired";
  payment_status: "unpaid" | "paid";
  amount_total: number;
  currency: string;
  customer_email: string | null;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  payment_intent: string | null;
  success_url: string;
  cancel_url: string | null;
  url: string | null;
  created: number;
  expires_at: number;
}
export interface Refund {
  id: string;
  object: "refund";
  payment_intent: string;
  amount: number;
  status: "succeeded";
  metadata: Record<string, string>;
}

export interface StripeStandIn {
  url: string;
  secretKey: string;
  webhookSecret: string;
  env(): Record<string, string>;
  sessions(): CheckoutSession[];
  refunds(): Refund[];
  /** The customer pays: the session completes and Stripe posts the signed event to targetUrl. */
  completeCheckout(sessionId: string, targetUrl: string): Promise<{ status: number }>;
  /** The session times out unpaid. */
  expireCheckout(sessionId: string, targetUrl: string): Promise<{ status: number }>;
  /** Where the hosted checkout page's "Pay" sends the signed event (Stripe's webhook endpoint). */
  setWebhookEndpoint(targetUrl: string): void;
  close(): Promise<void>;
}

const escapeHtml = (v: string) =>
  v.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const id = (prefix: string) => `${prefix}_test_${randomBytes(12).toString("base64url")}`;

/** Stripe's bracket notation (metadata[k]=v, line_items[0][price_data][unit_amount]=…) into objects. */
function decodeForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, "").split("[");
    let node = out as Record<string, unknown>;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = (node[part] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

export async function startStripeStandIn(opts: { port?: number } = {}): Promise<StripeStandIn> {
  const secretKey = `sk_test_${randomBytes(16).toString("hex")}`;
  const webhookSecret = `whsec_${randomBytes(16).toString("hex")}`;
  const sessions = new Map<string, CheckoutSession>();
  const refunds: Refund[] = [];
  let base = "";
  let webhookEndpoint: string | null = null;

  const server = http.createServer((req, res) => {
    const hosted = (req.url ?? "").match(/^\/c\/pay\/([\w-]+)(\/pay)?$/);
    if (hosted) return hostedCheckout(req, res, hosted[1]!, Boolean(hosted[2]));
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "request-id": id("req") });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) =>
      send(status, { error: { type, message, ...extra } });
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.headers.authorization !== `Bearer ${secretKey}`)
        return error(
          401,
          "invalid_request_error",
          `Invalid API Key provided: ${String(req.headers.authorization ?? "").slice(7, 15)}****`,
        );
      const url = new URL(req.url ?? "/", "http://x");
      const form = decodeForm(Buffer.concat(chunks).toString("utf8"));
      if (req.method === "POST" && url.pathname === "/v1/checkout/sessions") {
        const item =
          (form.line_items as Record<string, Record<string, Record<string, unknown>>> | undefined)?.["0"] ?? {};
        const amount =
          Number((item.price_data as Record<string, unknown> | undefined)?.unit_amount ?? NaN) *
          Number(item.quantity ?? 1);
        if (form.mode !== "payment" || !Number.isFinite(amount) || !form.success_url)
          return error(
            400,
            "invalid_request_error",
            "Missing required param: line_items[0][price_data][unit_amount].",
            { param: "line_items" },
          );
        // The same Idempotency-Key answers with the same session, as Stripe does.
        const key = String(req.headers["idempotency-key"] ?? "");
        const existing = [...sessions.values()].find(
          (s) => (s as CheckoutSession & { key?: string }).key === key && key,
        );
        if (existing) return send(200, existing);
        const now = Math.floor(Date.now() / 1000);
        const s: CheckoutSession & { key?: string } = {
          id: id("cs"),
          object: "checkout.session",
          mode: "payment",
          status: "open",
          payment_status: "unpaid",
          amount_total: amount,
          currency: String((item.price_data as Record<string, unknown>).currency ?? "eur"),
          customer_email: (form.customer_email as string) ?? null,
          client_reference_id: (form.client_reference_id as string) ?? null,
          metadata: (form.metadata as Record<string, string>) ?? {},
          payment_intent: null,
          success_url: String(form.success_url),
          cancel_url: (form.cancel_url as string) ?? null,
          url: "",
          created: now,
          expires_at: Number(form.expires_at ?? now + 86_400),
          key,
        };
        s.url = `${base}/c/pay/${s.id}`;
        sessions.set(s.id, s);
        return send(200, s);
      }
      const get = url.pathname.match(/^\/v1\/checkout\/sessions\/([\w-]+)$/);
      if (req.method === "GET" && get) {
        const s = sessions.get(get[1]!);
        return s
          ? send(200, s)
          : error(404, "invalid_request_error", `No such checkout.session: '${get[1]}'`, { code: "resource_missing" });
      }
      if (req.method === "POST" && url.pathname === "/v1/refunds") {
        const pi = String(form.payment_intent ?? "");
        const paid = [...sessions.values()].find((s) => s.payment_intent === pi);
        if (!paid)
          return error(404, "invalid_request_error", `No such payment_intent: '${pi}'`, {
            code: "resource_missing",
            param: "payment_intent",
          });
        const prior = refunds.find((r) => r.payment_intent === pi);
        if (prior)
          return error(400, "invalid_request_error", `Charge for payment_intent ${pi} has already been refunded.`, {
            code: "charge_already_refunded",
          });
        const r: Refund = {
          id: id("re"),
          object: "refund",
          payment_intent: pi,
          amount: paid.amount_total,
          status: "succeeded",
          metadata: (form.metadata as Record<string, string>) ?? {},
        };
        refunds.push(r);
        return send(200, r);
      }
      error(404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${url.pathname}).`);
    });
  });
  base = await listenLoopback(server, opts.port);

  const post = async (targetUrl: string, type: string, object: CheckoutSession) => {
    const payload = JSON.stringify({
      id: id("evt"),
      object: "event",
      api_version: "2026-10-28",
      created: Math.floor(Date.now() / 1000),
      type,
      livemode: false,
      pending_webhooks: 1,
      data: { object },
    });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
    const res = await fetch(targetUrl, {
      method: "POST",
      body: payload,
      headers: { "content-type": "application/json", "stripe-signature": header },
    });
    return { status: res.status };
  };

  const complete = (s: CheckoutSession) =>
    Object.assign(s, {
      status: "complete",
      payment_status: "paid",
      payment_intent: s.payment_intent ?? id("pi"),
      url: null,
    });

  /** Stripe's hosted page, reduced to what a customer does there: pay, or go back. */
  function hostedCheckout(req: http.IncomingMessage, res: http.ServerResponse, sessionId: string, pay: boolean) {
    const s = sessions.get(sessionId);
    const page = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      res.end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stripe Checkout</title></head><body>${body}</body></html>`,
      );
    };
    if (!s) return page(404, "<h1>Something went wrong</h1><p>This checkout does not exist.</p>");
    if (s.status !== "open")
      return page(410, `<h1>This checkout is no longer available</h1><p>Status: ${s.status}.</p>`);
    if (req.method === "GET" && !pay) {
      const amount = `${(s.amount_total / 100).toFixed(2)} ${s.currency.toUpperCase()}`;
      const back = s.cancel_url ? `<a href="${escapeHtml(s.cancel_url)}">← Back</a>` : "";
      return page(
        200,
        `<h1>Pay ${amount}</h1>${back}<form method="post" action="/c/pay/${s.id}/pay"><button type="submit">Pay ${amount}</button></form>`,
      );
    }
    if (req.method !== "POST" || !pay) return page(405, "<h1>Method not allowed</h1>");
    req.resume();
    req.on("end", () => {
      if (!webhookEndpoint) return page(409, "<h1>No webhook endpoint is configured for this account.</h1>");
      complete(s);
      post(webhookEndpoint, "checkout.session.completed", s)
        .catch(() => undefined) // Stripe retries a failed delivery later; the customer still returns
        .finally(() => {
          res.writeHead(303, { location: s.success_url.replace("{CHECKOUT_SESSION_ID}", s.id) });
          res.end();
        });
    });
  }

  return {
    url: base,
    secretKey,
    webhookSecret,
    env: () => ({ STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_BASE_URL: base }),
    sessions: () => [...sessions.values()],
    refunds: () => refunds,
    async completeCheckout(sessionId, targetUrl) {
      const s = sessions.get(sessionId);
      if (!s) throw new Error(`unknown session ${sessionId}`);
      complete(s);
      return post(targetUrl, "checkout.session.completed", s);
    },
    async expireCheckout(sessionId, targetUrl) {
      const s = sessions.get(sessionId);
      if (!s) throw new Error(`unknown session ${sessionId}`);
      Object.assign(s, { status: "expired", url: null });
      return post(targetUrl, "checkout.session.expired", s);
    },
    setWebhookEndpoint(targetUrl) {
      webhookEndpoint = targetUrl;
    },
    close: () => closeServer(server),
  };
}
