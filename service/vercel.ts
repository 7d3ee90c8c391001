// Vercel entry: every path is routed here (vercel.json). The context is booted once per
// function instance and reused; crons arrive as GET calls on their routes. No WebSocket
// and no in-process worker on Vercel: /api/worker/sync drains the queue instead.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Express } from "express";
import { boot } from "./boot.ts";
import { createApp } from "./http/app.ts";

let app: Promise<Express> | undefined;

export default async function handler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  app ??= boot().then(({ ctx }) => createApp(ctx));
  (await app)(req, res);
}
