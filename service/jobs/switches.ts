// Switches stored in the database: one per cron (`cron.<name>`) and one per provider
// (`provider.<id>`). Vercel cannot pause crons, so every cron checks its switch first.
import type { Db } from "../db/client.ts";
import { providerIds } from "../config/providers.ts";
import { cronNames } from "./crons.ts";

export interface SwitchState { name: string; kind: "cron" | "provider"; enabled: boolean; reason: string | null; updatedBy: string | null; updatedAt: string | null }

export const switchNames = [...cronNames.map((n) => `cron.${n}`), ...providerIds.map((p) => `provider.${p}`)];

export class Switches {
  constructor(private readonly db: Db) {}

  isKnown(name: string): boolean {
    return switchNames.includes(name);
  }

  /** Unset switches are on: a fresh install runs everything. */
  async isEnabled(name: string): Promise<boolean> {
    const row = await this.db.switch.findUnique({ where: { name } });
    return row?.enabled ?? true;
  }

  async list(): Promise<SwitchState[]> {
    const rows = new Map((await this.db.switch.findMany()).map((r) => [r.name, r]));
    return switchNames.map((name) => {
      const row = rows.get(name);
      return {
        name,
        kind: name.startsWith("cron.") ? "cron" : "provider",
        enabled: row?.enabled ?? true,
        reason: row?.reason ?? null,
        updatedBy: row?.updatedBy ?? null,
        updatedAt: row?.updatedAt.toISOString() ?? null,
      };
    });
  }

  async set(name: string, enabled: boolean, reason: string | null, updatedBy: string): Promise<SwitchState> {
    await this.db.switch.upsert({ where: { name }, create: { name, enabled, reason, updatedBy }, update: { enabled, reason, updatedBy } });
    return (await this.list()).find((s) => s.name === name)!;
  }
}
