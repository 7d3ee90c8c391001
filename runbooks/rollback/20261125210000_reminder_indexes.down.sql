-- Down script for prisma/migrations/20261125210000_reminder_indexes/migration.sql.
-- Leaves the schema exactly as 20261125200000_booking left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: no data (two indexes only). Twilio status callbacks and aftercare look-ups get slower.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261125210000_reminder_indexes.down.sql
-- or as part of `tatu rollback --sql 20261125210000_reminder_indexes.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP INDEX "Appointment_status_end_idx";
DROP INDEX "Reminder_providerId_idx";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261125210000_reminder_indexes';
