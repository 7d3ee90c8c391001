// Load generator of the webhook benchmark: autocannon in a worker thread (so it does not share
// the event loop with the servers under test), with ONE request counter shared by every
// connection. autocannon's own `requests` array restarts at index 0 on each connection (10
// connections would send body #0 ten times, and dedup would make the run trivial); here each
// pre-signed request is handed out exactly once, and the answer to each one is recorded by its
// index, so the bench knows exactly which webhooks were accepted.
//
// The main thread calls runLoad(); the worker imports this same file through tsx's API (a
// worker thread does not inherit tsx's loader hooks) and serves runs from the branch at the bottom.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import autocannon from "autocannon";

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** Origin of the server under load, e.g. http://127.0.0.1:4321. */
  url: string;
  requests: LoadRequest[];
  connections: number;
  /** "once": every request exactly once (bounded by count); "cycle": loop over them for durationSec. */
  mode: "once" | "cycle";
  durationSec?: number;
  /** Hard stop for a "once" run (the time bound). */
  maxSec: number;
  timeoutSec?: number;
  /** Requests per second over all connections (autocannon's overallRate); unset: as fast as answered. */
  rate?: number;
}

export interface LoadResult {
  /** Responses per second over the whole run (total / wall time). */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  durationSec: number;
  /** Responses received. */
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  /** "once" runs: last HTTP status per request index (0 = no answer). */
  statusByIndex: number[];
  /** "once" runs: whether the request was handed to a connection at all. */
  sentByIndex: boolean[];
  /** "once" runs: when each request was handed out, epoch ms (sub-ms, comparable across threads). */
  sentAtByIndex: number[];
  /** Requests handed out beyond the list (cycled; only after a reconnect). */
  extraSends: number;
  stoppedByTimeBound: boolean;
}

interface Job extends LoadOptions {
  webhooksBenchLoad: true;
}
type Answer = { ok: true; result: LoadResult } | { ok: false; error: string };

// Load generators stay alive between runs: a fresh worker thread starts with a cold JIT, and
// on a short run (3,000 requests ≈ 1 s) its own warm-up was counted against the server under
// test. The warm-up run before each measured run now warms both ends. Idle ones are unref'd.
const idle: Worker[] = [];

function spawnGenerator(): Worker {
  const api = import.meta.resolve("tsx/esm/api");
  const self = import.meta.url;
  const source = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(self)}, ${JSON.stringify(self)}))`;
  return new Worker(source, { eval: true, workerData: { webhooksBenchLoad: true } });
}

/** Runs one load on an idle generator thread (a new one when all are busy) and resolves with its result. */
export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const worker = idle.pop() ?? spawnGenerator();
  worker.ref();
  return new Promise((resolve, reject) => {
    const onMessage = (msg: Answer) => {
      settle();
      idle.push(worker);
      worker.unref();
      if (msg.ok) resolve(msg.result);
      else reject(new Error(`load generator: ${msg.error}`));
    };
    const onError = (err: Error) => {
      settle();
      reject(err);
    };
    const onExit = (code: number) => {
      settle();
      reject(new Error(`load generator exited with code ${code} before answering`));
    };
    const settle = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    worker.on("message", onMessage);
    worker.once("error", onError);
    worker.once("exit", onExit);
    worker.postMessage({ ...opts, webhooksBenchLoad: true } satisfies Job);
  });
}

/** Stops the idle generator threads (they are unref'd, so this is only for a tidy exit). */
export async function closeLoadGenerators(): Promise<void> {
  await Promise.all(idle.splice(0).map((w) => w.terminate()));
}

function generate(job: Job): Promise<LoadResult> {
  const n = job.requests.length;
  const statusByIndex = new Array<number>(n).fill(0);
  const sentByIndex = new Array<boolean>(n).fill(false);
  const sentAtByIndex = new Array<number>(n).fill(0);
  let next = 0;
  let extraSends = 0;
  let stoppedByTimeBound = false;
  const once = job.mode === "once";
  // autocannon only notices the end of an `amount` run on its 1 s sampling tick, so its own
  // duration is quantised to whole seconds: time the window from first send to last answer here.
  let firstSendAt = 0;
  let lastAnswerAt = 0;
  let answered = 0;

  return new Promise((resolve, reject) => {
    const options = {
      url: job.url,
      connections: Math.min(job.connections, once ? n : job.connections),
      pipelining: 1,
      timeout: job.timeoutSec ?? 10,
      ...(once ? { amount: n } : { duration: job.durationSec ?? 3 }),
      ...(job.rate ? { overallRate: job.rate } : {}),
      requests: [
        {
          setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
            if (!firstSendAt) firstSendAt = performance.now();
            const i = next++ % n;
            if (next > n && once) extraSends++;
            sentByIndex[i] = true;
            sentAtByIndex[i] = performance.timeOrigin + performance.now();
            context.i = i;
            const r = job.requests[i]!;
            return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body ?? "" };
          },
          onResponse: (status: number, _body: string, context: Record<string, unknown>) => {
            statusByIndex[context.i as number] = status;
            lastAnswerAt = performance.now();
            // Stop on the last answer rather than on autocannon's next 1 s tick, so the run's
            // window (and the server's busy share over it) is the requests' own.
            if (once && ++answered === n) instance.stop();
          },
        } as unknown as autocannon.Request,
      ],
    };
    const instance = autocannon(options, (err, raw) => {
      clearTimeout(bound);
      if (err) return reject(err);
      // Off the main thread autocannon hands back its raw, encoded histograms (it expects its
      // own worker manager to aggregate them): aggregate here.
      const aggregate = (
        autocannon as unknown as { aggregateResult(results: unknown[], opts: object): autocannon.Result }
      ).aggregateResult;
      const r: autocannon.Result = (raw as { latency?: unknown }).latency
        ? raw
        : aggregate([raw], { url: job.url, connections: options.connections });
      const statusCounts: Record<string, number> = {};
      for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) statusCounts[code] = s.count ?? 0;
      const windowSec = lastAnswerAt > firstSendAt ? (lastAnswerAt - firstSendAt) / 1000 : r.duration;
      resolve({
        rps: windowSec > 0 ? r.requests.total / windowSec : 0,
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        max: r.latency.max,
        durationSec: windowSec,
        total: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        statusCounts,
        statusByIndex: once ? statusByIndex : [],
        sentByIndex: once ? sentByIndex : [],
        sentAtByIndex: once ? sentAtByIndex : [],
        extraSends,
        stoppedByTimeBound,
      });
    });
    const bound = setTimeout(() => {
      stoppedByTimeBound = true;
      instance.stop();
    }, job.maxSec * 1000);
  });
}

const boot = workerData as { webhooksBenchLoad?: true } | undefined;
if (!isMainThread && boot?.webhooksBenchLoad) {
  parentPort!.on("message", (job: Job) => {
    generate(job).then(
      (result) => parentPort!.postMessage({ ok: true, result } satisfies Answer),
      (err: unknown) =>
        parentPort!.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) } satisfies Answer),
    );
  });
}
