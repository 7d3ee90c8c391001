// The Vercel REST API calls the CLI makes (presence of env vars, production deployments,
// instant rollback). Values of env vars are never read: only key + target.
import { z } from "zod";
import { CliExit, EXIT } from "../output/exit-codes.ts";
import { envValue } from "../environment.ts";
import { HttpSession, type HttpResponse } from "./http.ts";

const envList = z
  .object({
    envs: z.array(
      z
        .object({
          key: z.string(),
          target: z.union([z.array(z.string()), z.string()]).optional(),
          type: z.string().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();
const deployment = z
  .object({
    uid: z.string(),
    url: z.string().optional(),
    created: z.number(),
    state: z.string().optional(),
    readyState: z.string().optional(),
    readySubstate: z.string().optional(),
    target: z.string().nullish(),
  })
  .passthrough();
const deploymentList = z.object({ deployments: z.array(deployment) }).passthrough();
export type Deployment = z.infer<typeof deployment>;
const cronDefinition = z.object({ host: z.string(), path: z.string(), schedule: z.string() }).passthrough();
/** The project's crons (GET /v9/projects/{id}): absent when no deployment declared any. */
const projectCrons = z
  .object({
    crons: z
      .object({
        enabledAt: z.number().nullish(),
        disabledAt: z.number().nullish(),
        updatedAt: z.number().nullish(),
        deploymentId: z.string().nullish(),
        definitions: z.array(cronDefinition),
      })
      .passthrough()
      .nullish(),
    targets: z
      .object({ production: z.object({ createdAt: z.number().optional() }).passthrough().nullish() })
      .passthrough()
      .nullish(),
  })
  .passthrough();
export interface ProjectCrons {
  crons: z.infer<typeof projectCrons>["crons"];
  /** When the deployment production serves was created (ms), if the API says. */
  productionCreatedAt?: number;
}

export class VercelApi {
  private readonly http: HttpSession;
  private readonly team: string | undefined;
  readonly projectId: string;

  constructor(env: NodeJS.ProcessEnv) {
    const token = envValue(env, "VERCEL_TOKEN");
    const projectId = envValue(env, "VERCEL_PROJECT_ID");
    if (!token || !projectId)
      throw new CliExit(
        EXIT.usage,
        "the Vercel API needs VERCEL_TOKEN and VERCEL_PROJECT_ID (and VERCEL_TEAM_ID for team projects).",
      );
    this.projectId = projectId;
    this.team = envValue(env, "VERCEL_TEAM_ID");
    this.http = new HttpSession(envValue(env, "VERCEL_API_BASE_URL") ?? "https://api.vercel.com", {
      authorization: `Bearer ${token}`,
    });
  }

  private q(extra: Record<string, string> = {}): string {
    const p = new URLSearchParams({ ...extra, ...(this.team ? { teamId: this.team } : {}) });
    const s = p.toString();
    return s ? `?${s}` : "";
  }

  private check(res: HttpResponse, what: string): void {
    if (res.status >= 200 && res.status < 300) return;
    const e = res.body?.error;
    const hint =
      res.status === 403 && e?.invalidToken
        ? " (VERCEL_TOKEN is invalid or expired)"
        : res.status === 404
          ? " (check VERCEL_PROJECT_ID / VERCEL_TEAM_ID)"
          : "";
    throw new Error(
      `Vercel ${what}: ${res.status} ${e?.code ?? ""} ${e?.message ?? ""}${hint}`.replace(/\s+/g, " ").trim(),
    );
  }

  async envKeys(): Promise<{ key: string; targets: string[] }[]> {
    const res = await this.http.get(`/v9/projects/${encodeURIComponent(this.projectId)}/env${this.q()}`);
    this.check(res, "env list");
    const parsed = envList.parse(res.body);
    return parsed.envs.map((e) => ({
      key: e.key,
      targets: Array.isArray(e.target) ? e.target : e.target ? [e.target] : [],
    }));
  }

  /** Ready production deployments, newest first. */
  async productionDeployments(limit = 10): Promise<Deployment[]> {
    const res = await this.http.get(
      `/v6/deployments${this.q({ projectId: this.projectId, target: "production", state: "READY", limit: String(limit) })}`,
    );
    this.check(res, "deployment list");
    return deploymentList.parse(res.body).deployments.sort((a, b) => b.created - a.created);
  }

  /** The deployment production serves now (the project's production target), if the API says. */
  async productionTargetId(): Promise<string | undefined> {
    const res = await this.http.get(`/v9/projects/${encodeURIComponent(this.projectId)}${this.q()}`);
    this.check(res, "project");
    return (res.body as { targets?: { production?: { id?: string } } })?.targets?.production?.id;
  }

  /** The crons Vercel runs for the project (with when the production deployment was made). */
  async projectCrons(): Promise<ProjectCrons> {
    const res = await this.http.get(`/v9/projects/${encodeURIComponent(this.projectId)}${this.q()}`);
    this.check(res, "project");
    const p = projectCrons.parse(res.body);
    return { crons: p.crons, productionCreatedAt: p.targets?.production?.createdAt };
  }

  async rollback(deploymentId: string, description: string): Promise<void> {
    const res = await this.http.request(
      "POST",
      `/v9/projects/${encodeURIComponent(this.projectId)}/rollback/${encodeURIComponent(deploymentId)}${this.q({ description })}`,
      { json: {} },
    );
    this.check(res, "rollback");
  }
}

/** The deployment serving production now: the project's production target, else the newest ready one. */
export function currentProduction(list: Deployment[], targetId: string | undefined): Deployment | undefined {
  return (targetId ? list.find((d) => d.uid === targetId) : undefined) ?? list[0];
}
