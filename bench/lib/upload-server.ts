// The real service alone in a child process for bench/uploads.ts, so its RSS is the server's
// own (the load generator lives in the parent). Sends {url} over IPC once listening.
import { boot } from "../../service/boot.ts";
import { loadConfig } from "../../service/config/load.ts";
import { createLogger } from "../../service/observability/logger.ts";
import { startHttpServer } from "../../service/server.ts";

const config = loadConfig(process.env);
const booted = await boot({ config, log: createLogger({ level: "silent" }) });
const http = await startHttpServer(booted.ctx, Number(process.env.BENCH_PORT ?? 0), "127.0.0.1");
process.send?.({ url: http.url });
process.on("message", async (m: unknown) => {
  if (m !== "close") return;
  await http.close().catch(() => undefined);
  await booted.close().catch(() => undefined);
  process.exit(0);
});
