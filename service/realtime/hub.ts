// Per-user realtime events over WebSocket (/ws). With Redis, every replica publishes to
// one channel and each delivers to the sockets it holds, so an event raised on replica A
// reaches a browser connected to replica B. Revoking a session closes its sockets the same way.
import type { Server } from "node:http";
import type { Redis } from "ioredis";
import type { WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../observability/logger.ts";
import { verifyRealtimeToken } from "./token.ts";

export interface RealtimeEvent {
  type: string;
  [key: string]: unknown;
}

export interface Realtime {
  /** Delivers an event to every connection of this user, on every replica. */
  publish(userId: string, event: RealtimeEvent): Promise<void>;
  /** Closes (code 4001) every socket opened with these sessions, on every replica. */
  closeSessions(sessionIds: string[]): Promise<void>;
  attach(server: Server): void;
  connectionCount(): number;
  close(): Promise<void>;
}

/** Close code a browser sees when its session ended (logout, password change, sign out everywhere). */
export const SESSION_ENDED = 4001;

type FanOut = { userId: string; event: RealtimeEvent } | { closeSessions: string[] };

export function createRealtime(opts: {
  jwtSecret: string;
  log: Logger;
  redis?: Redis;
  channel: string;
  /** Whether a session is still signed in: a token minted before a logout must not open a socket. */
  sessionLive?: (sessionId: string) => Promise<boolean>;
}): Realtime {
  const sockets = new Map<string, Set<WebSocket>>();
  const sessionOf = new WeakMap<WebSocket, string>();
  // ws is imported with the first socket, not at boot (serverless instances never open one).
  let wss: Promise<WebSocketServer> | undefined;
  const wsServer = () => (wss ??= import("ws").then(({ WebSocketServer }) => new WebSocketServer({ noServer: true })));
  let subscriber: Redis | undefined;

  const deliver = (userId: string, event: RealtimeEvent) => {
    const payload = JSON.stringify(event);
    for (const ws of sockets.get(userId) ?? []) if (ws.readyState === ws.OPEN) ws.send(payload);
  };
  const closeLocal = (sessionIds: string[]) => {
    const ended = new Set(sessionIds);
    for (const set of sockets.values())
      for (const ws of set) if (ended.has(sessionOf.get(ws)!)) ws.close(SESSION_ENDED, "session ended");
  };
  const receive = (msg: FanOut) =>
    "closeSessions" in msg ? closeLocal(msg.closeSessions) : deliver(msg.userId, msg.event);

  if (opts.redis) {
    subscriber = opts.redis.duplicate();
    subscriber.on("error", (err) => opts.log.warn({ err: err.message }, "realtime subscriber error"));
    // ioredis re-subscribes by itself after reconnecting; a failed first attempt is only logged.
    subscriber
      .subscribe(opts.channel)
      .catch((err) => opts.log.warn({ err: err.message }, "realtime subscribe failed; will retry on reconnect"));
    subscriber.on("message", (_channel, message) => {
      try {
        receive(JSON.parse(message) as FanOut);
      } catch {
        opts.log.warn("realtime: ignored a malformed fan-out message");
      }
    });
  }

  return {
    async publish(userId, event) {
      if (opts.redis) await opts.redis.publish(opts.channel, JSON.stringify({ userId, event }));
      else deliver(userId, event);
    },
    async closeSessions(sessionIds) {
      if (!sessionIds.length) return;
      if (opts.redis) {
        // Close here at once (the fan-out may be delayed or Redis down), then tell the other replicas.
        closeLocal(sessionIds);
        await opts.redis
          .publish(opts.channel, JSON.stringify({ closeSessions: sessionIds }))
          .catch((err) =>
            opts.log.warn({ err: (err as Error).message }, "realtime: could not fan out a session close"),
          );
      } else closeLocal(sessionIds);
    },
    attach(server) {
      server.on("upgrade", async (req, socket, head) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        if (url.pathname !== "/ws") return; // other upgrade handlers may exist (dev tools)
        const token = url.searchParams.get("token") ?? "";
        const claims = token ? await verifyRealtimeToken(opts.jwtSecret, token) : undefined;
        const live = claims && (!opts.sessionLive || (await opts.sessionLive(claims.sessionId).catch(() => false)));
        if (!claims || !live) {
          socket.end(
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" +
              JSON.stringify({
                error: { code: "WS_UNAUTHORIZED", message: "A valid token from GET /api/realtime/token is required." },
              }),
          );
          return;
        }
        const { userId, sessionId } = claims;
        (await wsServer()).handleUpgrade(req, socket, head, (ws) => {
          sessionOf.set(ws, sessionId);
          const set = sockets.get(userId) ?? new Set();
          set.add(ws);
          sockets.set(userId, set);
          ws.on("close", () => {
            set.delete(ws);
            if (!set.size) sockets.delete(userId);
          });
          ws.send(JSON.stringify({ type: "ready" }));
        });
      });
    },
    connectionCount: () => [...sockets.values()].reduce((n, s) => n + s.size, 0),
    async close() {
      for (const set of sockets.values()) for (const ws of set) ws.terminate();
      (await wss)?.close();
      await subscriber?.quit().catch(() => undefined);
    },
  };
}
