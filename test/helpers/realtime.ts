// A signed-in user's WebSocket, collecting the events pushed to them.
import WebSocket from "ws";
import type { HttpClient } from "./http.ts";

export interface Socket {
  events: any[];
  waitFor(pred: (e: any) => boolean, ms?: number): Promise<any>;
  close(): void;
  /** Settles when the server (or we) close the socket. */
  closed: Promise<{ code: number; reason: string }>;
  isOpen(): boolean;
}

export async function openSocket(baseUrl: string, client: HttpClient): Promise<Socket> {
  const { body } = await client.get("/api/realtime/token");
  const ws = new WebSocket(`${baseUrl.replace("http", "ws")}/ws?token=${encodeURIComponent(body.token)}`);
  const events: any[] = [];
  ws.on("message", (m) => events.push(JSON.parse(String(m))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    const check = () => (events.some((e) => e.type === "ready") ? resolve() : setTimeout(check, 10));
    ws.once("open", check);
  });
  return {
    events,
    async waitFor(pred, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        if (Date.now() > end)
          throw new Error(
            `no matching realtime event within ${ms} ms; got ${JSON.stringify(events.map((e) => e.type))}`,
          );
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => ws.close(),
    closed,
    isOpen: () => ws.readyState === WebSocket.OPEN,
  };
}

export async function until(fn: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The code the server closed `sock` with, or a clear failure when it leaves the socket open. */
export async function closeCode(sock: Socket, ms = 10_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the socket was still open ${ms} ms after the session ended`)), ms);
  });
  try {
    return (await Promise.race([sock.closed, timeout])).code;
  } finally {
    clearTimeout(timer);
  }
}
