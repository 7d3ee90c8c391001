-- Down script for prisma/migrations/20261206150000_reschedule_approval/migration.sql.
-- Leaves the schema exactly as 20261206140000_webhook_rejections_switch_history left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: every appointment's "policyStart" (the original start the deposit policy measures
-- notice against) and any pending reschedule request ("requestedStart", "requestedAt").
-- Appointments keep their current start; a customer's open reschedule request is gone.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261206150000_reschedule_approval.down.sql
-- or as part of `tatu rollback --sql 20261206150000_reschedule_approval.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

ALTER TABLE "Appointment" DROP COLUMN "policyStart",
                          DROP COLUMN "requestedStart",
                          DROP COLUMN "requestedAt";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261206150000_reschedule_approval';
