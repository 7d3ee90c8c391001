-- Down script for prisma/migrations/20261206130000_upload_usage/migration.sql.
-- Leaves the schema exactly as 20261206120000_account_recovery left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: each user's counted upload bytes ("UploadUsage"); quotas start from zero when the
-- migration is applied again.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261206130000_upload_usage.down.sql
-- or as part of `tatu rollback --sql 20261206130000_upload_usage.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP TABLE "UploadUsage";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261206130000_upload_usage';
