// Switches stored in the database: one per cron (`cron.<name>`) and one per provider
// (`provider.<id>`). Vercel cannot pause crons, so every cron checks its switch first.
// Every change is also appended to SwitchChange (who, when, reason, before/after) in the
// same transaction; that table takes no UPDATE or DELETE (a trigger refuses them).
import type { Db } from "../db/client.ts";
import { providerIds } from "../providers/catalog.ts";
import { cronNames } from "./cron-table.ts";

export interface SwitchState {
  name: string;
  kind: "cron" | "provider";
  enabled: boolean;
  reason: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface SwitchChangeEntry {
  id: string;
  name: string;
  at: string;
  by: string;
  reason: string | null;
  before: { enabled: boolean };
  after: { enabled: boolean };
}

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
    await this.db.$transaction(async (tx) => {
      // The row exists and is locked before "before" is read: two concurrent flips of one switch
      // record a consistent chain of before/after values.
      await tx.$executeRaw`INSERT INTO "Switch" (name, enabled, "updatedAt") VALUES (${name}, true, now()) ON CONFLICT (name) DO NOTHING`;
      const [current] = await tx.$queryRaw<
        { enabled: boolean }[]
      >`SELECT enabled FROM "Switch" WHERE name = ${name} FOR UPDATE`;
      await tx.switch.update({ where: { name }, data: { enabled, reason, updatedBy } });
      await tx.switchChange.create({
        data: { name, by: updatedBy, reason, beforeEnabled: current?.enabled ?? true, afterEnabled: enabled },
      });
    });
    return (await this.list()).find((s) => s.name === name)!;
  }

  /** Newest first; `names` narrows it (e.g. every cron switch). */
  async history(opts: { names?: string[]; limit?: number } = {}): Promise<SwitchChangeEntry[]> {
    const rows = await this.db.switchChange.findMany({
      where: opts.names ? { name: { in: opts.names } } : {},
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: opts.limit ?? 50,
    });
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      at: r.at.toISOString(),
      by: r.by,
      reason: r.reason,
      before: { enabled: r.beforeEnabled },
      after: { enabled: r.afterEnabled },
    }));
  }
}
