// Micro-benchmark of the reminder run's text path alone: `BENCH_SMS_COUNT` texts through the
// official twilio SDK (TwilioSession, as service/reminders/send.ts uses it) to the Twilio stand-in
// in its own process, `BENCH_SMS_CONCURRENCY` in flight, nothing else. Prints wall time and the CPU
// of both processes per text: the quickest way to see what a change to the transport
// (service/providers/kit/twilio) or to the stand-in's hot path (standins/twilio) is worth.
//
//   npx tsx bench/reminders-sms.ts          # 10,000 texts, 48 in flight
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { intEnv } from "./lib/run.ts";

const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === "--standin") {
  const { startTwilioStandIn } = await import("../standins/twilio/index.ts");
  const t = await startTwilioStandIn();
  process.on("message", (m: { type: string }) => {
    if (m.type !== "counts") return;
    const cpu = process.cpuUsage();
    process.send!({ type: "counts", sent: t.sent().length, cpuMs: (cpu.user + cpu.system) / 1000 });
  });
  process.on("disconnect", () => void t.close().then(() => process.exit(0)));
  process.send!({ type: "ready", env: t.env() });
} else {
  const count = intEnv("BENCH_SMS_COUNT", 10_000, 1);
  const concurrency = intEnv("BENCH_SMS_CONCURRENCY", 48, 1);
  const rounds = intEnv("BENCH_SMS_ROUNDS", 2, 1);
  // BENCH_CPU_PROF_DIR=<dir>: the stand-in writes a V8 CPU profile there.
  const prof = process.env.BENCH_CPU_PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const proc = spawn(process.execPath, [...prof, "--import", "tsx", SELF, "--standin"], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type !== type) return;
        proc.off("message", on);
        resolve(m as T);
      };
      proc.on("message", on);
    });
  const { env } = await next<{ env: Record<string, string> }>("ready");
  const counts = () => {
    const a = next<{ sent: number; cpuMs: number }>("counts");
    proc.send({ type: "counts" });
    return a;
  };
  const { TwilioSession } = await import("../service/providers/kit/twilio/session.ts");
  const session = new TwilioSession({
    config: { env, publicUrl: "http://127.0.0.1:3000" },
    log: console,
  } as never);
  const from = env.TWILIO_PHONE_NUMBER!;
  let n = 0;
  const body = (i: number) =>
    `Hi Alex, this is a reminder from Studio ${i % 97}: your appointment is on Friday 15 January at 14:30 CET. If you need to reschedule, please contact Studio ${i % 97} as soon as possible.`;
  for (let round = 0; round < rounds; round++) {
    const s0 = await counts();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = n + next++;
          try {
            await session.call((c) =>
              c.messages.create({
                from,
                to: `+1555${String(i).padStart(7, "0")}`,
                body: body(i),
                statusCallback: "http://127.0.0.1:3000/api/webhooks/twilio/status",
              }),
            );
          } catch (err) {
            if (!failed++) console.error(err);
          }
        }
      }),
    );
    n += count;
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const s1 = await counts();
    const us = (ms: number) => ((ms * 1000) / count).toFixed(0);
    console.log(
      `[sms] round ${round + 1}: ${count} texts (${s1.sent - s0.sent} received, ${failed} failed) in ${(wall / 1000).toFixed(2)} s · CPU per text: client ${us((c.user + c.system) / 1000)} µs, stand-in ${us(s1.cpuMs - s0.cpuMs)} µs`,
    );
  }
  proc.disconnect();
  process.exit(0);
}
