// Logout and every other session revocation end what the session holds: its cookies are cleared
// with the attributes they were set with (a `__Host-` cookie is only replaced when the clearing
// Set-Cookie is `Secure; Path=/` too), and its WebSockets close — on every replica.
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestApp, withTestApp, type TestApp } from "../helpers/app.ts";
import { anotherSession, signedInUser } from "../helpers/accounts.ts";
import { closeCode, openSocket } from "../helpers/realtime.ts";
import { suiteResources } from "../helpers/suite.ts";

let app: TestApp;
suiteResources(async (track) => {
  app = track(await startTestApp());
});

describe("logout cookies", () => {
  it("with an https NEXTAUTH_URL, logout clears the __Host- cookies with Secure and Path=/", async () => {
    await withTestApp({ env: { NEXTAUTH_URL: "https://tatu.example.test" } }, async (https) => {
      const { client } = await signedInUser(https);
      expect(client.cookie("__Host-tatu_session")).toBeTruthy();
      const res = await client.post("/api/auth/logout", undefined, {
        "x-csrf-token": client.cookie("__Host-tatu_csrf")!,
      });
      expect(res.status).toBe(200);
      const cleared = res.headers.getSetCookie();
      for (const name of ["__Host-tatu_session", "__Host-tatu_csrf"]) {
        const c = cleared.find((x) => x.startsWith(`${name}=;`));
        expect(c, `${name} is cleared`).toBeDefined();
        expect(c).toMatch(/;\s*Secure/i);
        expect(c).toMatch(/;\s*Path=\//i);
        expect(c).not.toMatch(/Domain=/i);
      }
    });
  });
});

describe("session revocation closes WebSockets", () => {
  it("logout closes that session's sockets; the same user's other session keeps its socket", async () => {
    const { client, email } = await signedInUser(app);
    const other = await anotherSession(app, email);
    const mine = await openSocket(app.url, client);
    const theirs = await openSocket(app.url, other);

    expect((await client.post("/api/auth/logout")).status).toBe(200);
    expect(await closeCode(mine)).toBe(4001);

    // The other session's socket still delivers events.
    const userId = (await other.get("/api/auth/me")).body.user.id;
    await app.ctx.realtime.publish(userId, { type: "inbox.synced", probe: 1 });
    await theirs.waitFor((e) => e.type === "inbox.synced" && e.probe === 1);
    expect(theirs.isOpen()).toBe(true);
    theirs.close();
  });

  it("a socket token fetched before logout no longer opens a socket", async () => {
    const { client } = await signedInUser(app);
    const { body } = await client.get("/api/realtime/token");
    expect((await client.post("/api/auth/logout")).status).toBe(200);
    const ws = new WebSocket(`${app.url.replace("http", "ws")}/ws?token=${encodeURIComponent(body.token)}`);
    const outcome = await new Promise<string>((resolve) => {
      ws.once("unexpected-response", (_req, res) => resolve(`http ${res.statusCode}`));
      ws.once("open", () => resolve("open"));
      ws.once("error", () => resolve("error"));
    });
    ws.terminate();
    expect(outcome).toBe("http 401");
  });

  it("logging out on replica A closes the session's socket held by replica B (Redis fan-out)", async () => {
    const prefix = `tatu-test-revoke-${Date.now()}`;
    const a = await startTestApp({ redis: prefix });
    const b = await startTestApp({ redis: prefix });
    try {
      const { client } = await signedInUser(a);
      const onB = await openSocket(b.url, client.at(b.url));
      expect((await client.post("/api/auth/logout")).status).toBe(200);
      expect(await closeCode(onB)).toBe(4001);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
