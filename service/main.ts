// `npm start`: HTTP API + WebSocket + web UI + built-in scheduler + in-process worker.
import { randomUUID } from "node:crypto";
import { ConfigError } from "./config/load.ts";
import { boot } from "./boot.ts";
import { startHttpServer } from "./server.ts";
import { startScheduler } from "./jobs/scheduler.ts";
import { flushSentry, reportError } from "./observability/sentry.ts";

async function main() {
  const { ctx, close } = await boot();
  const http = await startHttpServer(ctx);
  const stopWorker = ctx.queue.startWorker(ctx, ctx.config.workerConcurrency);
  const scheduler = ctx.config.scheduler ? startScheduler(ctx) : undefined;
  ctx.log.info(
    { url: ctx.config.publicUrl, port: http.port, queue: ctx.queue.mode, mail: ctx.mailer.mode, scheduler: ctx.config.scheduler },
    `Tatu is running on http://localhost:${http.port}`,
  );

  // A stray rejection must not take the whole service down: log it and report it.
  process.on("unhandledRejection", (err) => {
    const errorId = randomUUID();
    ctx.log.error({ err, errorId }, "unhandled promise rejection");
    reportError(err, { errorId });
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.log.info({ signal }, "shutting down");
    scheduler?.stop();
    await http.close();
    await stopWorker();
    await close();
    await flushSentry();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`Tatu failed to start: ${(err as Error).message}`);
  process.exit(1);
});
