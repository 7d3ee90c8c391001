// Unexpected errors: 500 with an error id, nothing internal in the body, logged, and
// delivered to Sentry (a local stand-in receiving the SDK's envelopes).
import http from "node:http";
import net from "node:net";
import zlib from "node:zlib";
import { Writable } from "node:stream";
import express from "express";
import { afterAll, beforeAll, expect, it } from "vitest";
import { errorHandler } from "../../service/http/errors.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { flushSentry, initSentry } from "../../service/observability/sentry.ts";

const envelopes: string[] = [];
let sentry: http.Server;
let sentryPort = 0;
beforeAll(async () => {
  sentry = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (req.headers["content-encoding"] === "gzip") body = zlib.gunzipSync(body);
      if (req.url?.includes("/envelope/")) envelopes.push(body.toString());
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => sentry.listen(0, "127.0.0.1", () => r()));
  sentryPort = (sentry.address() as net.AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => sentry.close(() => r())));

it("answers 500 with an error id, logs it, and reports it to Sentry without leaking internals", async () => {
  await initSentry(`http://publickey@127.0.0.1:${sentryPort}/1`, "test");
  const lines: string[] = [];
  const log = createLogger({
    level: "info",
    destination: new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    }) as never,
  });

  const app = express();
  app.use((req, _res, next) => {
    (req as unknown as { log: typeof log }).log = log;
    next();
  });
  app.get("/boom", () => {
    throw new Error("db password is hunter2 at /srv/secret/path");
  });
  app.use(errorHandler);
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/boom`);
    const body = await res.json();
    expect(res.status).toBe(500);
    expect(body.error).toEqual({
      code: "INTERNAL",
      message: expect.stringMatching(/went wrong/),
      errorId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(JSON.stringify(body)).not.toMatch(/hunter2|\/srv|at /);
    expect(lines.some((l) => l.includes(body.error.errorId) && l.includes('"level":"error"'))).toBe(true);

    await flushSentry(5000);
    const envelope = envelopes.find((e) => e.includes(body.error.errorId));
    expect(envelope, "the exception reached the Sentry stand-in tagged with the error id").toBeDefined();
    expect(envelope).toContain("db password is hunter2");
  } finally {
    server.close();
  }
});
