-- Down script for prisma/migrations/20261125190000_webhooks/migration.sql.
-- Leaves the schema exactly as 20261125180000_inbox left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: the record of every received webhook ("WebhookEvent": payloads, statuses, retries —
-- provider deliveries already processed are not replayed), the 5xx log hypercare reads
-- ("ServerErrorEvent"), and which provider each job run belonged to ("JobRun"."provider").
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261125190000_webhooks.down.sql
-- or as part of `tatu rollback --sql 20261125190000_webhooks.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP TABLE "ServerErrorEvent";
DROP TABLE "WebhookEvent";
ALTER TABLE "JobRun" DROP COLUMN "provider";
DROP TYPE "WebhookStatus";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261125190000_webhooks';
