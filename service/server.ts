// Starts the HTTP + WebSocket server on a booted context (used by main.ts and tests).
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AppContext } from "./context.ts";
import { createApp } from "./http/app.ts";
import { answerClientError } from "./http/client-error.ts";

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export async function startHttpServer(ctx: AppContext, port = ctx.config.port, host?: string): Promise<RunningServer> {
  const server = http.createServer(createApp(ctx));
  server.on("clientError", answerClientError);
  ctx.realtime.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
