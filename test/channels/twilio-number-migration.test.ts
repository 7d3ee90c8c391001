// The migration that adds "one live account per Twilio number" must apply to a database where
// today's code already let several users connect the same number: it keeps the oldest
// (deterministically), disconnects the others with a reason, keeps the survivor's number
// assigned to it, and only then adds the unique index.
import fs from "node:fs";
import path from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN_URL, databaseUrl, withPgClient } from "../helpers/global-setup.ts";

const dir = path.resolve(import.meta.dirname, "../../prisma/migrations");
const MIGRATION = "20261206110000_twilio_number_owner";
const name = `tatu_mig_twilio_${randomBytes(4).toString("hex")}`;

afterAll(async () => {
  await withPgClient(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
});

describe(`migration ${MIGRATION}`, () => {
  it("resolves a number connected by several users (oldest kept, others disabled), then enforces one live account per number", async () => {
    await withPgClient(ADMIN_URL, (c) => c.query(`CREATE DATABASE "${name}"`));
    const url = databaseUrl(name);
    const earlier = fs
      .readdirSync(dir)
      .filter((d) => d < MIGRATION && fs.existsSync(path.join(dir, d, "migration.sql")))
      .sort();
    await withPgClient(url, async (c) => {
      for (const m of earlier) await c.query(fs.readFileSync(path.join(dir, m, "migration.sql"), "utf8"));
      // Today's data: three users hold +15550000001 (the attacker connected it twice over), one a
      // disconnected copy; +15550000002 is held once.
      const users = [randomUUID(), randomUUID(), randomUUID()];
      for (const [i, id] of users.entries())
        await c.query(
          `INSERT INTO "User" (id, email, name, role, "passwordHash", "updatedAt") VALUES ($1, $2, 'U', 'artist', 'x', now())`,
          [id, `u${i}-${randomBytes(3).toString("hex")}@example.test`],
        );
      const acct = (user: string, number: string, created: string, status = "active") =>
        c.query(
          `INSERT INTO "ConnectedAccount" (id, "userId", provider, "externalId", address, credentials, scopes, status, "createdAt", "updatedAt") VALUES ($1, $2, 'twilio', $3, $3, 'sealed', '{}', $4::"AccountStatus", $5::timestamp, now())`,
          [randomUUID(), user, number, status, created],
        );
      await acct(users[1]!, "+15550000001", "2026-11-02T10:00:00Z");
      await acct(users[0]!, "+15550000001", "2026-11-01T10:00:00Z"); // the oldest: kept
      await acct(users[2]!, "+15550000001", "2026-11-03T10:00:00Z", "reauth_required");
      await acct(users[2]!, "+15550000002", "2026-11-04T10:00:00Z");

      await c.query(fs.readFileSync(path.join(dir, MIGRATION, "migration.sql"), "utf8"));

      const rows = (
        await c.query(`SELECT "userId", "externalId", status, "lastError" FROM "ConnectedAccount" ORDER BY "createdAt"`)
      ).rows;
      expect(rows.map((r) => [r.userId, r.externalId, r.status])).toEqual([
        [users[0], "+15550000001", "active"],
        [users[1], "+15550000001", "disabled"],
        [users[2], "+15550000001", "disabled"],
        [users[2], "+15550000002", "active"],
      ]);
      expect(rows[1].lastError).toMatch(/connected by another studio/);
      const assigned = (
        await c.query(`SELECT "phoneNumber", "userId" FROM "TwilioNumberAssignment" ORDER BY "phoneNumber"`)
      ).rows;
      expect(assigned).toEqual([
        { phoneNumber: "+15550000001", userId: users[0] },
        { phoneNumber: "+15550000002", userId: users[2] },
      ]);

      // From now on the database itself refuses a second live account for a number.
      await expect(acct(users[1]!, "+15550000002", "2026-12-01T10:00:00Z")).rejects.toThrow(
        /ConnectedAccount_twilio_number_owner/,
      );
      await acct(users[1]!, "+15550000002", "2026-12-01T10:00:00Z", "disabled"); // history is fine
    });
  });
});
