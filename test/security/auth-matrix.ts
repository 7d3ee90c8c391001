// The authorisation matrix: every (method, path) the router answers under /api, with how a
// second user (B) is kept away from artist A's data. test/security/authorization.test.ts fails
// when the router has a route without an entry here, or an entry names a route that is gone.
//
// Kinds:
//   owned   — acts on one of A's resources by id: B's probe must answer one of `deny`
//             (404 by default: someone else's ids look like ids that do not exist).
//   self    — acts only on the caller's own data (lists, own profile, connecting an account):
//             B's probe, when given, must succeed and mention none of A's ids.
//   admin   — bearer CRON_SECRET or an admin session: B (not an admin) gets 403.
//   cron    — bearer CRON_SECRET only: B's session gets 401.
//   webhook — no session; the provider's signature is the credential (test/security/webhook-forgery.test.ts).
//   public  — anyone, by design (reason given).
//
// Customers, per route: D (`stranger`, a customer with no tie to A) is probed on every owned and
// probed self route and must get `customer` (default: what B gets); C (A's own customer, party to
// A's booking) is probed on every owned route not marked `party: "allowed"` and must get `party`
// (default: 404). Both get 403 on admin routes and 401 on cron routes.
import type { OwnedIds, World } from "./world.ts";

export interface Probe {
  path: string;
  json?: unknown;
  form?: () => FormData;
}
export type Access =
  | {
      kind: "owned";
      probe: (ids: OwnedIds, w: World) => Probe | Promise<Probe>;
      deny?: number[];
      note?: string;
      customer?: number[];
      party?: number[] | "allowed";
    }
  | { kind: "self"; reason: string; probe?: (ids: OwnedIds) => Probe; ok?: number[]; customer?: number[] }
  | { kind: "admin" | "cron" | "webhook" | "public"; reason: string };

const NOT_FOUND = [404];
const at = (days: number) => {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(11, 0, 0, 0);
  return d.toISOString();
};

/** The path of a private note A just wrote about A's customer C (notes are not in the seeded world). */
async function noteOfA(w: World): Promise<string> {
  const res = await w.a.client.post(`/api/clients/${w.customer.userId}/notes`, { body: "A's private note" });
  if (res.status !== 201) throw new Error(`A's note: ${res.status} ${res.text.slice(0, 200)}`);
  return `/api/clients/${w.customer.userId}/notes/${res.body.id}`;
}

export const authMatrix: Record<string, Access> = {
  // ---- health, auth, realtime ----
  "GET /api/health": { kind: "public", reason: "liveness probe" },
  "GET /api/providers": {
    kind: "public",
    reason: "names and marks of the providers the server knows, the same for everyone",
  },
  "GET /api/health/ready": {
    kind: "public",
    reason:
      "readiness probe for the load balancer: anyone gets the status; the details (errors, migration names) only with the bearer or an admin session (test/http/health.test.ts)",
  },
  "POST /api/auth/signup": { kind: "public", reason: "creating an account" },
  "POST /api/auth/login": { kind: "public", reason: "signing in" },
  "GET /api/auth/verify-email": { kind: "public", reason: "the emailed link; the token is the credential" },
  "POST /api/auth/resend-verification": { kind: "public", reason: "always 202, no account enumeration" },
  "POST /api/auth/forgot-password": {
    kind: "public",
    reason: "always 202 (no account enumeration); the emailed link is the credential",
  },
  "POST /api/auth/reset-password": { kind: "public", reason: "the emailed single-use token is the credential" },
  "POST /api/auth/change-password": { kind: "self", reason: "the caller's own password; the current one is required" },
  "GET /api/auth/sessions": {
    kind: "self",
    reason: "the caller's own sessions",
    probe: () => ({ path: "/api/auth/sessions" }),
  },
  "POST /api/auth/sessions/revoke-all": { kind: "self", reason: "signs out the caller's own sessions only" },
  "POST /api/auth/logout": { kind: "self", reason: "ends the caller's own session only" },
  "GET /api/auth/me": { kind: "self", reason: "the caller's own user", probe: () => ({ path: "/api/auth/me" }) },
  "DELETE /api/auth/me": {
    kind: "self",
    reason:
      "deletes the caller's own account only (no id in the path), with the caller's password (test/auth/delete-account.test.ts)",
  },
  "GET /api/realtime/token": {
    kind: "self",
    reason: "a token for the caller's own event stream",
    probe: () => ({ path: "/api/realtime/token" }),
  },
  "GET /api/dev/outbox": {
    kind: "public",
    reason:
      "development only: mounted only with DEV_OUTBOX=true, never with NODE_ENV=production (test/http/dev-outbox.test.ts)",
  },

  // ---- operators ----
  "GET /api/admin/metrics": { kind: "admin", reason: "hypercare metrics" },
  "GET /api/admin/switches": { kind: "admin", reason: "kill switches" },
  "GET /api/admin/crons": { kind: "admin", reason: "cron schedules, switches and last runs (tatu cron status)" },
  "PUT /api/admin/switches/:name": { kind: "admin", reason: "flipping a kill switch" },
  "GET /api/admin/twilio-numbers": {
    kind: "admin",
    reason: "which artist may connect which number of the server's Twilio account",
  },
  "PUT /api/admin/twilio-numbers/:e164": { kind: "admin", reason: "assigning a server Twilio number to one artist" },
  "DELETE /api/admin/twilio-numbers/:e164": {
    kind: "admin",
    reason: "unassigning a server Twilio number (its holder is disconnected)",
  },
  "GET /api/admin/switches/history": { kind: "admin", reason: "append-only history of switch changes" },
  "GET /api/cron/sync-messages": { kind: "cron", reason: "Vercel Cron" },
  "POST /api/cron/sync-messages": { kind: "cron", reason: "operator-triggered cron run" },
  "GET /api/cron/sync-calendars": { kind: "cron", reason: "Vercel Cron" },
  "POST /api/cron/sync-calendars": { kind: "cron", reason: "operator-triggered cron run" },
  "GET /api/cron/appointment-reminders": { kind: "cron", reason: "Vercel Cron" },
  "POST /api/cron/appointment-reminders": { kind: "cron", reason: "operator-triggered cron run" },
  "GET /api/cron/notify-replies": { kind: "cron", reason: "Vercel Cron" },
  "POST /api/cron/notify-replies": { kind: "cron", reason: "operator-triggered cron run" },
  "GET /api/worker/sync": { kind: "cron", reason: "serverless queue drain" },
  "POST /api/worker/sync": { kind: "cron", reason: "serverless queue drain" },

  // ---- webhooks ----
  "POST /api/webhooks/:source": {
    kind: "webhook",
    reason: "Meta X-Hub-Signature-256, Twilio X-Twilio-Signature, Stripe-Signature",
  },
  "POST /api/webhooks/twilio/status": { kind: "webhook", reason: "Twilio X-Twilio-Signature" },
  "GET /api/webhooks/facebook": { kind: "webhook", reason: "Meta handshake: hub.verify_token must match" },
  "GET /api/webhooks/instagram": { kind: "webhook", reason: "Meta handshake: hub.verify_token must match" },

  // ---- public directory ----
  "GET /api/artists": { kind: "public", reason: "map search of visible artists" },
  "GET /api/artists/:id": { kind: "public", reason: "public profile of a visible artist" },
  "GET /api/artists/:id/availability": { kind: "public", reason: "free/busy only, never what the busy time is" },
  "GET /api/artists/:id/portfolio/:imageId": { kind: "public", reason: "portfolio images of visible artists" },

  // ---- inbox ----
  "GET /api/inbox/conversations": {
    kind: "self",
    reason: "the caller's conversations",
    probe: () => ({ path: "/api/inbox/conversations" }),
  },
  "GET /api/inbox/conversations/:id": {
    kind: "owned",
    probe: (i) => ({ path: `/api/inbox/conversations/${i.conversationId}` }),
  },
  "GET /api/inbox/conversations/:id/messages": {
    kind: "owned",
    probe: (i) => ({ path: `/api/inbox/conversations/${i.conversationId}/messages` }),
  },
  "POST /api/inbox/conversations/:id/read": {
    kind: "owned",
    probe: (i) => ({ path: `/api/inbox/conversations/${i.conversationId}/read`, json: {} }),
  },
  "POST /api/inbox/conversations/:id/archive": {
    kind: "owned",
    probe: (i) => ({ path: `/api/inbox/conversations/${i.conversationId}/archive`, json: { archived: true } }),
  },
  "POST /api/inbox/conversations/:id/reply": {
    kind: "owned",
    probe: (i) => ({ path: `/api/inbox/conversations/${i.conversationId}/reply`, json: { text: "sent by B" } }),
  },
  "GET /api/inbox/messages/:id/html": {
    kind: "owned",
    probe: (i) => ({ path: `/api/inbox/messages/${i.messageId}/html` }),
  },
  "POST /api/inbox/conversations/:id/suggest-reply": {
    kind: "owned",
    probe: (i) => ({ path: `/api/inbox/conversations/${i.conversationId}/suggest-reply`, json: {} }),
  },
  "GET /api/attachments/:id": { kind: "owned", probe: (i) => ({ path: `/api/attachments/${i.attachmentId}` }) },

  // ---- integrations ----
  "GET /api/integrations": {
    kind: "self",
    reason: "the caller's accounts",
    probe: () => ({ path: "/api/integrations" }),
  },
  "GET /api/integrations/:route/auth": {
    kind: "self",
    customer: [403],
    reason: "starts an OAuth grant for the caller (state bound to the caller)",
    probe: () => ({ path: "/api/integrations/google/auth?format=json" }),
  },
  "GET /api/integrations/:route/callback": {
    kind: "owned",
    customer: [403],
    party: [403],
    deny: [400],
    note: "A's OAuth state used by B: OAUTH_STATE_MISMATCH, nothing connected",
    probe: async (_i, w) => {
      const start = await w.a.client.get("/api/integrations/google/auth?format=json");
      const state = new URL(start.body.url).searchParams.get("state");
      return { path: `/api/integrations/google/callback?state=${state}&code=stolen-code` };
    },
  },
  "POST /api/integrations/twilio/connect": {
    kind: "self",
    customer: [403],
    ok: [403],
    reason:
      "connects a number for the caller: a server number only when an admin assigned it to the caller (B asking for the default number, A's, gets 403 TWILIO_NUMBER_NOT_ASSIGNED), one live account per number (409), customers 403",
    probe: () => ({ path: "/api/integrations/twilio/connect", json: {} }),
  },
  "POST /api/integrations/:route/connect": {
    kind: "self",
    customer: [403],
    reason: "connects an account for the caller",
    probe: () => ({ path: "/api/integrations/yahoo/connect", json: { email: "b@yahoo.test" } }),
    ok: [400],
  },
  "GET /api/integrations/:id": { kind: "owned", probe: (i) => ({ path: `/api/integrations/${i.accountId}` }) },
  "POST /api/integrations/:id/sync": {
    kind: "owned",
    probe: (i) => ({ path: `/api/integrations/${i.accountId}/sync`, json: {} }),
  },
  "POST /api/integrations/:id/smoke": {
    kind: "owned",
    probe: (i) => ({ path: `/api/integrations/${i.accountId}/smoke`, json: {} }),
  },
  "POST /api/integrations/:id/resync": {
    kind: "owned",
    probe: (i) => ({
      path: `/api/integrations/${i.accountId}/resync`,
      json: { since: new Date(Date.now() - 86_400_000).toISOString() },
    }),
  },
  "DELETE /api/integrations/:id": { kind: "owned", probe: (i) => ({ path: `/api/integrations/${i.accountId}` }) },

  // ---- calendars ----
  "GET /api/calendars": { kind: "self", reason: "the caller's calendars", probe: () => ({ path: "/api/calendars" }) },
  "GET /api/calendars/busy": {
    kind: "self",
    reason: "the caller's own busy time",
    probe: () => ({ path: `/api/calendars/busy?from=${encodeURIComponent(at(-30))}&to=${encodeURIComponent(at(60))}` }),
  },
  "POST /api/calendars/google": {
    kind: "owned",
    deny: [404, 409],
    party: [404, 409],
    note: "A's account id in the body: B has no Google grant (409 GRANT_REQUIRED), never A's",
    probe: (i) => ({ path: "/api/calendars/google", json: { accountId: i.accountId } }),
  },
  "POST /api/calendars/outlook": {
    kind: "owned",
    deny: [404, 409],
    party: [404, 409],
    note: "as for Google",
    probe: (i) => ({ path: "/api/calendars/outlook", json: { accountId: i.accountId } }),
  },
  "POST /api/calendars/:route/connect": {
    kind: "self",
    reason: "connects the caller's own calendar with its credentials",
    probe: () => ({ path: "/api/calendars/square/connect", json: { accessToken: "" } }),
    ok: [400],
  },
  "PUT /api/calendars/:id": {
    kind: "owned",
    probe: (i) => ({ path: `/api/calendars/${i.calendarId}`, json: { isPrimary: true } }),
  },
  "POST /api/calendars/:id/sync": {
    kind: "owned",
    probe: (i) => ({ path: `/api/calendars/${i.calendarId}/sync`, json: {} }),
  },
  "DELETE /api/calendars/:id": { kind: "owned", probe: (i) => ({ path: `/api/calendars/${i.calendarId}` }) },

  // ---- notification settings ----
  "GET /api/notifications/preferences": {
    kind: "self",
    reason: "the caller's own notification settings (no id in the path)",
    probe: () => ({ path: "/api/notifications/preferences" }),
  },
  "PUT /api/notifications/preferences": {
    kind: "self",
    reason: "changes the caller's own notification settings and phone only (test/notifications/preferences.test.ts)",
  },
  // ---- bookings (A is the artist, C the customer; B is a stranger to both) ----
  "GET /api/bookings/requests": {
    kind: "self",
    reason: "the caller's requests",
    probe: () => ({ path: "/api/bookings/requests?as=artist" }),
  },
  "POST /api/bookings/requests": { kind: "self", reason: "the caller asks any visible artist for a booking" },
  "GET /api/bookings/requests/:id": {
    kind: "owned",
    party: "allowed",
    probe: (i) => ({ path: `/api/bookings/requests/${i.requestId}` }),
  },
  "GET /api/bookings/requests/:id/references/:refId": {
    kind: "owned",
    party: "allowed",
    probe: (i) => ({ path: `/api/bookings/requests/${i.requestId}/references/${i.referenceId}` }),
  },
  "GET /api/bookings/requests/:id/messages": {
    kind: "owned",
    party: "allowed",
    probe: (i) => ({ path: `/api/bookings/requests/${i.requestId}/messages` }),
  },
  "POST /api/bookings/requests/:id/messages": {
    kind: "owned",
    note: "the customer writes into their thread with the artist; the artist answers from the inbox (403 for them)",
    party: "allowed",
    probe: (i) => ({ path: `/api/bookings/requests/${i.requestId}/messages`, json: { text: "B writes in" } }),
  },
  "POST /api/bookings/requests/:id/offer": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: (i) => ({
      path: `/api/bookings/requests/${i.requestId}/offer`,
      json: { serviceId: i.serviceId, slots: [{ start: at(12) }] },
    }),
  },
  "POST /api/bookings/requests/:id/decline": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: (i) => ({ path: `/api/bookings/requests/${i.requestId}/decline`, json: { reason: "B says no" } }),
  },
  "POST /api/bookings/requests/:id/accept": {
    kind: "owned",
    party: "allowed",
    probe: (i) => ({ path: `/api/bookings/requests/${i.requestId}/accept`, json: { start: at(10) } }),
  },
  "GET /api/bookings/appointments": {
    kind: "self",
    reason: "the caller's appointments",
    probe: () => ({ path: "/api/bookings/appointments" }),
  },
  "GET /api/bookings/week": {
    kind: "self",
    reason: "the caller's own week in their studio's zone (artist accounts only)",
    probe: () => ({ path: "/api/bookings/week" }),
    customer: [403],
  },
  "POST /api/bookings/appointments": {
    kind: "owned",
    customer: [403],
    party: "allowed",
    note: "another session in A's project",
    probe: (i) => ({
      path: "/api/bookings/appointments",
      json: { projectId: i.projectId, serviceId: i.serviceId, start: at(14) },
    }),
  },
  "GET /api/bookings/appointments/:id": {
    kind: "owned",
    party: "allowed",
    probe: (i) => ({ path: `/api/bookings/appointments/${i.appointmentId}` }),
  },
  "POST /api/bookings/appointments/:id/reschedule": {
    kind: "owned",
    party: "allowed",
    probe: (i) => ({ path: `/api/bookings/appointments/${i.appointmentId}/reschedule`, json: { start: at(13) } }),
  },
  "POST /api/bookings/appointments/:id/reschedule/approve": {
    kind: "owned",
    party: [403],
    note: "only the appointment's artist; its customer gets 403 ARTIST_ONLY (test/booking/reschedule-policy.test.ts)",
    probe: (i) => ({ path: `/api/bookings/appointments/${i.appointmentId}/reschedule/approve`, json: {} }),
  },
  "POST /api/bookings/appointments/:id/reschedule/decline": {
    kind: "owned",
    party: [403],
    note: "as for approve",
    probe: (i) => ({ path: `/api/bookings/appointments/${i.appointmentId}/reschedule/decline`, json: {} }),
  },
  "POST /api/bookings/appointments/:id/checkout": {
    kind: "owned",
    party: "allowed",
    note: "only the appointment's customer; everyone else 404 (test/booking/resume-checkout.test.ts)",
    probe: (i) => ({ path: `/api/bookings/appointments/${i.appointmentId}/checkout` }),
  },
  "POST /api/bookings/appointments/:id/cancel": {
    kind: "owned",
    party: "allowed",
    probe: (i) => ({ path: `/api/bookings/appointments/${i.appointmentId}/cancel`, json: { reason: "B cancels" } }),
  },
  "POST /api/bookings/appointments/:id/complete": {
    kind: "owned",
    customer: [403],
    party: [403],
    note: "only the appointment's artist records the outcome (test/booking/outcomes.test.ts)",
    probe: (i) => ({ path: `/api/bookings/appointments/${i.appointmentId}/complete`, json: {} }),
  },
  "POST /api/bookings/appointments/:id/no-show": {
    kind: "owned",
    customer: [403],
    party: [403],
    note: "as for complete",
    probe: (i) => ({ path: `/api/bookings/appointments/${i.appointmentId}/no-show`, json: {} }),
  },
  "POST /api/bookings/projects/:id/sessions": {
    kind: "owned",
    customer: [403],
    party: [403],
    note: "the next session of A's project (test/booking/outcomes.test.ts)",
    probe: (i) => ({ path: `/api/bookings/projects/${i.projectId}/sessions`, json: { start: at(15) } }),
  },
  "PUT /api/bookings/projects/:id/deposit-session": {
    kind: "owned",
    customer: [403],
    party: [403],
    note: "which session of A's project the deposit is credited to",
    probe: (i) => ({
      path: `/api/bookings/projects/${i.projectId}/deposit-session`,
      json: { appointmentId: i.appointmentId },
    }),
  },

  // ---- the start page ----
  "GET /api/me/home": {
    kind: "self",
    reason: "the caller's own appointments, requests, unread counts and setup",
    probe: () => ({ path: "/api/me/home" }),
  },

  // ---- client records (A's customer C; notes are A's alone) ----
  "GET /api/clients": {
    kind: "self",
    customer: [403],
    reason: "the caller's own clients (artist accounts only; test/clients/clients.test.ts)",
    probe: () => ({ path: "/api/clients" }),
  },
  "GET /api/clients/:customerId": {
    kind: "owned",
    customer: [403],
    party: [403],
    note: "404 unless the person has a request or appointment with the caller; customers (C included) 403",
    probe: (_i, w) => ({ path: `/api/clients/${w.customer.userId}` }),
  },
  "POST /api/clients/:customerId/notes": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: (_i, w) => ({ path: `/api/clients/${w.customer.userId}/notes`, json: { body: "B was here" } }),
  },
  "PATCH /api/clients/:customerId/notes/:noteId": {
    kind: "owned",
    customer: [403],
    party: [403],
    note: "a note A writes for the probe",
    probe: async (_i, w) => ({ path: await noteOfA(w), json: { body: "B was here" } }),
  },
  "DELETE /api/clients/:customerId/notes/:noteId": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: async (_i, w) => ({ path: await noteOfA(w) }),
  },

  // ---- the artist's own profile ----
  "GET /api/me/artist-profile": {
    kind: "self",
    customer: [403],
    reason: "the caller's own profile",
    probe: () => ({ path: "/api/me/artist-profile" }),
  },
  "PUT /api/me/artist-profile": { kind: "self", reason: "writes the caller's own profile" },
  "POST /api/me/artist-profile/portfolio": { kind: "self", reason: "adds to the caller's own portfolio" },
  "PUT /api/me/artist-profile/portfolio/order": {
    kind: "owned",
    customer: [403],
    party: [403],
    deny: [400],
    note: "B cannot list A's image ids as its portfolio",
    probe: (i) => ({ path: "/api/me/artist-profile/portfolio/order", json: { ids: [i.imageId] } }),
  },
  "GET /api/me/artist-profile/portfolio/:id": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: (i) => ({ path: `/api/me/artist-profile/portfolio/${i.imageId}` }),
  },
  "PATCH /api/me/artist-profile/portfolio/:id": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: (i) => ({ path: `/api/me/artist-profile/portfolio/${i.imageId}`, json: { caption: "B was here" } }),
  },
  "DELETE /api/me/artist-profile/portfolio/:id": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: (i) => ({ path: `/api/me/artist-profile/portfolio/${i.imageId}` }),
  },
  "GET /api/me/artist-profile/services": {
    kind: "self",
    customer: [403],
    reason: "the caller's services",
    probe: () => ({ path: "/api/me/artist-profile/services" }),
  },
  "POST /api/me/artist-profile/services": { kind: "self", reason: "adds a service to the caller's profile" },
  "PUT /api/me/artist-profile/services/:id": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: (i) => ({
      path: `/api/me/artist-profile/services/${i.serviceId}`,
      json: { kind: "session", name: "B's", durationMinutes: 30 },
    }),
  },
  "DELETE /api/me/artist-profile/services/:id": {
    kind: "owned",
    customer: [403],
    party: [403],
    probe: (i) => ({ path: `/api/me/artist-profile/services/${i.serviceId}` }),
  },
};

export const defaultDeny = NOT_FOUND;

/** "GET /api/x/:id" → ["GET", "/api/x/:id"]. */
export const splitKey = (key: string) => {
  const i = key.indexOf(" ");
  return [key.slice(0, i), key.slice(i + 1)] as const;
};
