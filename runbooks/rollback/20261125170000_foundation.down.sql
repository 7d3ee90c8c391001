-- Down script for prisma/migrations/20261125170000_foundation/migration.sql.
-- Leaves the schema exactly as an empty database left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: ALL users, email verification tokens, sessions (everyone is signed out), switches,
-- job runs and dev emails — the whole application. Only for a failed first deployment: it
-- leaves an empty schema. The "public" schema itself (created IF NOT EXISTS) is kept.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261125170000_foundation.down.sql
-- or as part of `tatu rollback --sql 20261125170000_foundation.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP TABLE "DevEmail";
DROP TABLE "JobRun";
DROP TABLE "Switch";
DROP TABLE "Session";
DROP TABLE "EmailVerificationToken";
DROP TABLE "User";

DROP TYPE "RunStatus";
DROP TYPE "RunKind";
DROP TYPE "Role";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261125170000_foundation';
