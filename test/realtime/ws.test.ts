// WebSocket push: per-user events, token-gated, fanned out across replicas through Redis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { suiteResources } from "../helpers/suite.ts";

function connect(app: TestApp, token?: string): Promise<{ ws: WebSocket; messages: any[] }> {
  const url = app.url.replace("http", "ws") + "/ws" + (token ? `?token=${encodeURIComponent(token)}` : "");
  const ws = new WebSocket(url);
  const messages: any[] = [];
  ws.on("message", (m) => messages.push(JSON.parse(String(m))));
  return new Promise((resolve, reject) => {
    ws.once("unexpected-response", (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once("error", reject);
    // Resolve once the server said it registered us, so publishes cannot race the upgrade.
    const check = () => (messages.some((m) => m.type === "ready") ? resolve({ ws, messages }) : setTimeout(check, 10));
    ws.once("open", check);
  });
}

const until = async (fn: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function tokenFor(app: TestApp) {
  const user = await signedInUser(app);
  const res = await user.client.get("/api/realtime/token");
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ token: expect.any(String), expiresIn: 300, path: "/ws" });
  return { ...user, token: res.body.token as string };
}

describe("realtime on one instance (no Redis)", () => {
  let app: TestApp;
  suiteResources(async (track) => {
    app = track(await startTestApp());
  });

  it("GET /api/realtime/token needs a session", async () => {
    expect((await app.client().get("/api/realtime/token")).status).toBe(401);
  });

  it("refuses connections without a valid token", async () => {
    await expect(connect(app)).rejects.toThrow(/401/);
    await expect(connect(app, "forged.token.value")).rejects.toThrow(/401/);
    const { token } = await tokenFor(app);
    await expect(connect(app, token.slice(0, -3) + "AAA")).rejects.toThrow(/401/);
  });

  it("delivers a user's events to that user only", async () => {
    const alice = await tokenFor(app);
    const bob = await tokenFor(app);
    const a = await connect(app, alice.token);
    const b = await connect(app, bob.token);
    await app.ctx.realtime.publish(alice.userId, { type: "message.created", conversationId: "c1" });
    await until(() => a.messages.some((m) => m.type === "message.created"));
    await new Promise((r) => setTimeout(r, 100));
    expect(b.messages.filter((m) => m.type !== "ready")).toEqual([]);
    a.ws.close();
    b.ws.close();
  });
});

describe("realtime across two replicas (Redis pub/sub)", () => {
  let a: TestApp, b: TestApp;
  beforeAll(async () => {
    const shared = `tatu-test-rt-${Date.now()}`;
    a = await startTestApp({ redis: shared });
    b = await startTestApp({ redis: shared });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it("an event raised on replica A reaches a client connected to replica B", async () => {
    const user = await tokenFor(a); // token issued by A is valid on B (same secret)
    const onB = await connect(b, user.token);
    await a.ctx.realtime.publish(user.userId, { type: "message.created", text: "hello from A" });
    await until(() => onB.messages.some((m) => m.text === "hello from A"));
    onB.ws.close();
  });
});
