// Per-user realtime events over WebSocket (/ws). With Redis, every replica publishes to
// one channel and each delivers to the sockets it holds, so an event raised on replica A
// reaches a browser connected to replica B.
import type { Server } from "node:http";
import type { Redis } from "ioredis";
import { WebSocketServer, type WebSocket } from "ws";
import type { Logger } from "../observability/logger.ts";
import { verifyRealtimeToken } from "./token.ts";

export interface RealtimeEvent { type: string; [key: string]: unknown }

export interface Realtime {
  /** Delivers an event to every connection of this user, on every replica. */
  publish(userId: string, event: RealtimeEvent): Promise<void>;
  attach(server: Server): void;
  connectionCount(): number;
  close(): Promise<void>;
}

export function createRealtime(opts: { jwtSecret: string; log: Logger; redis?: Redis; channel: string }): Realtime {
  const sockets = new Map<string, Set<WebSocket>>();
  const wss = new WebSocketServer({ noServer: true });
  let subscriber: Redis | undefined;

  const deliver = (userId: string, event: RealtimeEvent) => {
    const payload = JSON.stringify(event);
    for (const ws of sockets.get(userId) ?? []) if (ws.readyState === ws.OPEN) ws.send(payload);
  };

  if (opts.redis) {
    subscriber = opts.redis.duplicate();
    subscriber.on("error", (err) => opts.log.warn({ err: err.message }, "realtime subscriber error"));
    // ioredis re-subscribes by itself after reconnecting; a failed first attempt is only logged.
    subscriber.subscribe(opts.channel).catch((err) => opts.log.warn({ err: err.message }, "realtime subscribe failed; will retry on reconnect"));
    subscriber.on("message", (_channel, message) => {
      try {
        const { userId, event } = JSON.parse(message) as { userId: string; event: RealtimeEvent };
        deliver(userId, event);
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
    attach(server) {
      server.on("upgrade", async (req, socket, head) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        if (url.pathname !== "/ws") return; // other upgrade handlers may exist (dev tools)
        const token = url.searchParams.get("token") ?? "";
        const userId = token ? await verifyRealtimeToken(opts.jwtSecret, token) : undefined;
        if (!userId) {
          socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" +
            JSON.stringify({ error: { code: "WS_UNAUTHORIZED", message: "A valid token from GET /api/realtime/token is required." } }));
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
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
      wss.close();
      await subscriber?.quit().catch(() => undefined);
    },
  };
}
