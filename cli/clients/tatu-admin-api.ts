// The service's admin API (bearer CRON_SECRET): switches and hypercare metrics.
import { z } from "zod";
import { providerIds } from "../../service/providers/catalog.ts";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { envValue } from "../environment.ts";
import { describeResponse, HttpSession } from "./http.ts";

/** The runbook's "sync crons" (service/jobs/crons.ts names; not imported: that pulls BullMQ into every CLI start). */
export const syncCrons = ["sync-messages", "sync-calendars", "worker-sync"] as const;
export { providerIds };

const switchState = z.object({
  name: z.string(),
  kind: z.enum(["cron", "provider"]),
  enabled: z.boolean(),
  reason: z.string().nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type SwitchState = z.infer<typeof switchState>;
const switchChange = z.object({
  id: z.string(),
  name: z.string(),
  at: z.string(),
  by: z.string(),
  reason: z.string().nullable(),
  before: z.object({ enabled: z.boolean() }),
  after: z.object({ enabled: z.boolean() }),
});
export type SwitchChange = z.infer<typeof switchChange>;

const cronOverview = z.object({
  name: z.string(),
  path: z.string(),
  schedule: z.string(),
  intervalMs: z.number(),
  enabled: z.boolean(),
  lastRun: z.object({ at: z.string(), status: z.string(), error: z.string().nullable() }).nullable(),
  lastSuccessAt: z.string().nullable(),
});
export type CronOverview = z.infer<typeof cronOverview>;
const counts = z.record(z.string(), z.number());
const cronDryRun = z.object({
  cron: z.string(),
  dryRun: z.literal(true),
  wouldRun: z.boolean(),
  wouldEnqueue: counts,
  wouldSkip: z.number(),
  waiting: z.number().optional(),
});
export type CronDryRun = z.infer<typeof cronDryRun>;
const cronRun = z.union([
  z.object({ cron: z.string(), skipped: z.literal(true), reason: z.string() }),
  z.object({ cron: z.string(), skipped: z.literal(false), counts }),
]);
export type CronRun = z.infer<typeof cronRun>;

export class AdminApi {
  private readonly http: HttpSession;
  constructor(baseUrl: string, env: NodeJS.ProcessEnv, operator: string) {
    const secret = envValue(env, "CRON_SECRET");
    if (!secret)
      throw new CliExit(EXIT.usage, "the admin API needs CRON_SECRET (the deployed app's value) in the environment.");
    this.http = new HttpSession(baseUrl, {
      authorization: `Bearer ${secret}`,
      "x-tatu-operator": operator.slice(0, 100),
    });
  }

  private async ok(res: Promise<import("./http.ts").HttpResponse>, what: string) {
    const r = await res;
    if (r.status === 401 || r.status === 403)
      throw new Error(`${what}: ${describeResponse(r)} (is CRON_SECRET the deployed app's?)`);
    if (r.status >= 300) throw new Error(`${what}: ${describeResponse(r)}`);
    return r.body;
  }

  async switches(): Promise<SwitchState[]> {
    return z
      .object({ switches: z.array(switchState) })
      .parse(await this.ok(this.http.get("/api/admin/switches"), "listing switches")).switches;
  }

  /** The append-only change history, newest first. */
  async switchHistory(
    filter: { kind?: "cron" | "provider"; name?: string; limit?: number } = {},
  ): Promise<SwitchChange[]> {
    const q = new URLSearchParams(
      Object.entries(filter)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    return z
      .object({ changes: z.array(switchChange) })
      .parse(
        await this.ok(
          this.http.get(`/api/admin/switches/history${q.size ? `?${q}` : ""}`),
          "reading the switch history",
        ),
      ).changes;
  }

  async setSwitch(name: string, enabled: boolean, reason?: string): Promise<SwitchState> {
    return switchState.parse(
      await this.ok(
        this.http.put(`/api/admin/switches/${encodeURIComponent(name)}`, {
          enabled,
          ...(reason ? { reason: reason.slice(0, 500) } : {}),
        }),
        `switch ${name}`,
      ),
    );
  }

  /** Numbers of the server's Twilio account and the artist each is assigned to. */
  async twilioNumbers(): Promise<TwilioNumbers> {
    return twilioNumbersSchema.parse(
      await this.ok(this.http.get("/api/admin/twilio-numbers"), "listing Twilio number assignments"),
    );
  }

  async assignTwilioNumber(
    number: string,
    email: string,
  ): Promise<{ assignment: TwilioAssignment; disconnected: number }> {
    return z
      .object({ assignment: twilioAssignment, disconnected: z.number() })
      .parse(
        await this.ok(
          this.http.put(`/api/admin/twilio-numbers/${encodeURIComponent(number)}`, { email }),
          `assigning ${number}`,
        ),
      );
  }

  async unassignTwilioNumber(number: string): Promise<{ phoneNumber: string; disconnected: number }> {
    return z
      .object({ phoneNumber: z.string(), disconnected: z.number() })
      .parse(
        await this.ok(
          this.http.delete(`/api/admin/twilio-numbers/${encodeURIComponent(number)}`),
          `unassigning ${number}`,
        ),
      );
  }

  /** Each cron's schedule, switch, last run and last success. */
  async crons(): Promise<{ generatedAt: string; crons: CronOverview[] }> {
    return z
      .object({ generatedAt: z.string(), crons: z.array(cronOverview) })
      .parse(await this.ok(this.http.get("/api/admin/crons"), "reading the cron runs"));
  }

  /** `GET <cron path>?dryRun=1`: authenticates like Vercel's call, reports what a run would do. */
  async cronDryRun(path: string): Promise<CronDryRun> {
    return cronDryRun.parse(await this.ok(this.http.get(`${path}?dryRun=1`), `dry run of ${path}`));
  }

  /** POST <cron path>: one real run, as the runbook's "trigger manual sync routes". */
  async runCron(path: string): Promise<CronRun> {
    return cronRun.parse(await this.ok(this.http.post(path), `running ${path}`));
  }

  /** minutes: length of the per-minute series (requests and 5xx per minute) to ask for. */
  async metrics(minutes?: number): Promise<Metrics> {
    return metricsSchema.parse(
      await this.ok(this.http.get(`/api/admin/metrics${minutes ? `?minutes=${minutes}` : ""}`), "reading metrics"),
    );
  }
}

const twilioAssignment = z.object({
  phoneNumber: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  assignedBy: z.string(),
  assignedAt: z.string(),
});
export type TwilioAssignment = z.infer<typeof twilioAssignment>;
const twilioNumbersSchema = z.object({
  defaultNumber: z.string().nullable(),
  items: z.array(twilioAssignment.extend({ connected: z.boolean() })),
});
export type TwilioNumbers = z.infer<typeof twilioNumbersSchema>;

const providerMetrics = z.object({
  webhooksAccepted: z.number(),
  webhooksRejectedSignature: z.number(),
  webhooksRejectedOther: z.number(),
  webhooksFailedProcessing: z.number(),
  // Older deployments do not report these yet.
  webhooksRejectedKnownSender: z.number().default(0),
  webhooksRateLimited: z.number().default(0),
  syncRunsOk: z.number(),
  syncRunsError: z.number(),
  jobsRetried: z.number(),
  serverErrors: z.number(),
});
const windowMetrics = z.object({ providers: z.record(z.string(), providerMetrics), totals: providerMetrics });
const metricsSchema = z.object({
  generatedAt: z.string(),
  windows: z.object({ "15m": windowMetrics, "1h": windowMetrics, "24h": windowMetrics }),
  // Oldest first, the current (partial) minute last. Older deployments do not report it.
  perMinute: z.array(z.object({ minute: z.string(), requests: z.number(), serverErrors: z.number() })).optional(),
  queue: z.record(z.string(), z.unknown()),
});
export type Metrics = z.infer<typeof metricsSchema>;
export type ProviderMetrics = z.infer<typeof providerMetrics>;
