// Authorisation matrix generated from the router: every /api route has an entry in
// auth-matrix.ts, and for every route acting on a user's data, a second user (B) using
// artist A's real ids is refused (404 like a missing id, or the entry's documented answer)
// and A's data is unchanged afterwards. Anonymous callers get 401 on everything not public.
import { describe, expect, it } from "vitest";
import { createApp } from "../../service/http/app.ts";
import type { HttpClient, Res } from "../helpers/http.ts";
import { suiteResources } from "../helpers/suite.ts";
import { authMatrix, defaultDeny, splitKey, type Access, type Probe } from "./auth-matrix.ts";
import { listRoutes } from "./router-walk.ts";
import { startWorld, type World } from "./world.ts";

let w: World;
suiteResources(async (track) => {
  w = track(await startWorld());
}, 90_000);

const entries = Object.entries(authMatrix);
const send = (client: HttpClient, method: string, p: Probe): Promise<Res> =>
  p.form
    ? client.request(method, p.path, { body: p.form() })
    : client.request(method, p.path, p.json === undefined ? {} : { json: p.json });

/** Sends every owned route's probe (A's ids) as `client`; `refusals(access)` lists the answers that
 *  count as a refusal there (undefined: route not probed). Each answer must be one of them and say
 *  why. Returns how many routes were probed. */
async function probeOwnedAs(
  client: HttpClient,
  as: string,
  refusals: (access: Extract<Access, { kind: "owned" }>) => number[] | undefined,
  check: typeof expect.soft = expect,
): Promise<number> {
  let probed = 0;
  for (const [key, access] of entries) {
    if (access.kind !== "owned") continue;
    const want = refusals(access);
    if (!want) continue;
    const [method] = splitKey(key);
    const res = await send(client, method, await access.probe(w.ids, w));
    check(want, `${key} as ${as} answered ${res.status} ${res.text.slice(0, 200)}`).toContain(res.status);
    check(res.body?.error?.message, `${key}: a refusal says why`).toEqual(expect.any(String));
    probed++;
  }
  return probed;
}

/** Sends every self route's probe as `client`: each must answer one of `allowed(access)` and
 *  mention none of A's ids. Returns how many routes were probed. */
async function probeSelfAs(
  client: HttpClient,
  as: string,
  allowed: (access: Extract<Access, { kind: "self" }>) => number[],
  check: typeof expect.soft = expect,
): Promise<number> {
  const aIds = Object.values(w.ids);
  let probed = 0;
  for (const [key, access] of entries) {
    if (access.kind !== "self" || !access.probe) continue;
    const [method] = splitKey(key);
    const res = await send(client, method, access.probe(w.ids));
    check(allowed(access), `${key} as ${as}: ${res.text.slice(0, 200)}`).toContain(res.status);
    for (const id of aIds) expect(res.text, `${key} leaks one of A's ids to ${as}`).not.toContain(id);
    probed++;
  }
  return probed;
}

/** Everything of A's that a stranger's request could change, read straight from the database. */
async function snapshotOfA() {
  const { db } = w.app.ctx,
    i = w.ids;
  return JSON.stringify(
    await Promise.all([
      db.conversation.findUnique({ where: { id: i.conversationId }, select: { unreadCount: true, archivedAt: true } }),
      db.message.count({ where: { conversationId: i.conversationId } }),
      db.attachment.findUnique({ where: { id: i.attachmentId }, select: { id: true } }),
      db.connectedAccount.findUnique({ where: { id: i.accountId }, select: { status: true, credentials: true } }),
      db.calendarConnection.findUnique({ where: { id: i.calendarId }, select: { isPrimary: true, status: true } }),
      db.bookingRequest.findUnique({ where: { id: i.requestId }, select: { status: true } }),
      db.appointment.findMany({ where: { projectId: i.projectId }, select: { id: true, status: true, start: true } }),
      db.service.findUnique({ where: { id: i.serviceId }, select: { name: true, active: true } }),
      db.portfolioImage.findUnique({ where: { id: i.imageId }, select: { caption: true, position: true } }),
      db.connectedAccount.count({ where: { userId: w.b.userId } }),
    ]),
  );
}

describe("the matrix covers the router", () => {
  it("every /api route has an entry and every entry is a route", () => {
    const routes = listRoutes(createApp(w.app.ctx))
      .filter((r) => r.path.startsWith("/api/"))
      .map((r) => `${r.method} ${r.path}`);
    expect(routes.length).toBeGreaterThan(50);
    const missing = routes.filter((r) => !(r in authMatrix));
    const stale = Object.keys(authMatrix).filter((k) => !routes.includes(k));
    expect(missing, "routes without an entry in test/security/auth-matrix.ts").toEqual([]);
    expect(stale, "entries in test/security/auth-matrix.ts that match no route").toEqual([]);
  });
});

describe("a second user cannot reach A's data", () => {
  const owned = entries.filter(([, a]) => a.kind === "owned");

  it("A's own reads succeed with the same ids (the probes aim at real data)", async () => {
    for (const [key, access] of owned) {
      const [method] = splitKey(key);
      if (method !== "GET" || access.kind !== "owned" || access.deny) continue;
      const res = await send(w.a.client, method, await access.probe(w.ids, w));
      expect(res.status, `${key} as A`).toBe(200);
    }
  });

  it("B gets 404 (or the documented refusal) on every route acting on A's ids, and nothing of A's changes", async () => {
    const before = await snapshotOfA();
    expect(await probeOwnedAs(w.b.client, "B", (a) => a.deny ?? defaultDeny)).toBe(owned.length);
    expect(await snapshotOfA()).toBe(before);
  });

  it("B's own lists and pages mention none of A's ids", async () => {
    expect(await probeSelfAs(w.b.client, "B", (a) => a.ok ?? [200])).toBeGreaterThanOrEqual(8);
    // ...while A's own list does show A's conversation (the check above can fail).
    expect((await w.a.client.get("/api/inbox/conversations")).text).toContain(w.ids.conversationId);
  });

  it("operator routes refuse a signed-in user: admin → 403, cron → 401", async () => {
    for (const [key, access] of entries) {
      if (access.kind !== "admin" && access.kind !== "cron") continue;
      const [method, path] = splitKey(key);
      const res = await send(w.b.client, method, {
        path: path.replace(":name", "cron.sync-messages"),
        json: method === "PUT" ? { enabled: false } : undefined,
      });
      expect(res.status, `${key} as B`).toBe(access.kind === "admin" ? 403 : 401);
    }
  });
});

describe("customers cannot reach an artist's data", () => {
  it("a customer with no tie to A (D) gets B's refusal, or the documented customer answer, on every route acting on A's ids", async () => {
    const before = await snapshotOfA();
    await probeOwnedAs(w.stranger.client, "customer D", (a) => a.customer ?? a.deny ?? defaultDeny, expect.soft);
    expect(await snapshotOfA()).toBe(before);
  });

  it("A's own customer (C) reaches only the booking they are party to: every other route on A's ids is refused", async () => {
    const before = await snapshotOfA();
    const refusals = (a: Extract<Access, { kind: "owned" }>) =>
      a.party === "allowed" ? undefined : (a.party ?? defaultDeny);
    expect(await probeOwnedAs(w.customer.client, "A's customer C", refusals, expect.soft)).toBeGreaterThan(25);
    expect(await snapshotOfA()).toBe(before);
  });

  it("a customer's own lists and pages mention none of A's ids; artist-only pages answer 403", async () => {
    const allowed = (a: Extract<Access, { kind: "self" }>) => a.customer ?? a.ok ?? [200];
    expect(await probeSelfAs(w.stranger.client, "customer D", allowed, expect.soft)).toBeGreaterThanOrEqual(8);
  });

  it("operator routes refuse customers: admin → 403, cron → 401", async () => {
    for (const [key, access] of entries) {
      if (access.kind !== "admin" && access.kind !== "cron") continue;
      const [method, path] = splitKey(key);
      for (const who of [w.customer, w.stranger]) {
        const res = await send(who.client, method, {
          path: path.replace(":name", "cron.sync-messages").replace(":e164", "%2B14155550100"),
          json: method === "PUT" ? { enabled: false } : undefined,
        });
        expect(res.status, `${key} as a customer`).toBe(access.kind === "admin" ? 403 : 401);
      }
    }
  });
});

describe("anonymous callers", () => {
  it("get 401 with a message on every route that is not public or a webhook", async () => {
    const anon = w.app.client();
    let checked = 0;
    for (const [key, access] of entries) {
      if (access.kind === "public" || access.kind === "webhook") continue;
      const [method, path] = splitKey(key);
      const probe =
        access.kind === "owned"
          ? await access.probe(w.ids, w)
          : access.kind === "self" && access.probe
            ? access.probe(w.ids)
            : {
                path: path.replace(/:(\w+)/g, "00000000-0000-4000-8000-000000000000"),
                json: method === "GET" ? undefined : {},
              };
      const res = await send(anon, method, probe);
      expect(res.status, `${key} anonymously: ${res.text.slice(0, 200)}`).toBe(401);
      expect(res.body.error.message).toEqual(expect.any(String));
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });
});
