// `npm run worker`: queue workers alone (long-running hosts next to a serverless API).
import { ConfigError } from "./config/load.ts";
import { boot } from "./boot.ts";
import { startImapPush } from "./inbox/push/idle-manager.ts";

async function main() {
  const { ctx, close } = await boot();
  if (ctx.queue.mode !== "bullmq") {
    console.error(
      "npm run worker needs Redis: set REDIS_URL (or REDIS_HOST/REDIS_PORT/REDIS_PASSWORD). Without Redis, jobs run inline in the service.",
    );
    await close();
    process.exit(1);
  }
  const concurrency = ctx.config.workerConcurrency;
  const stop = ctx.queue.startWorker(ctx, concurrency);
  const push = startImapPush(ctx);
  ctx.log.info({ concurrency }, "worker running");
  const shutdown = async () => {
    await push?.stop();
    await stop();
    await close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown());
  process.on("SIGTERM", () => void shutdown());
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `Tatu worker failed to start: ${(err as Error).message}`);
  process.exit(1);
});
