-- Down script for prisma/migrations/202612071040_appointment_outcomes/migration.sql.
-- Leaves the schema exactly as 202612071035_client_notes left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: who recorded an outcome and when ("outcomeAt", "outcomeById"); every no-show becomes a
-- cancellation by the artist with the reason "No-show" (its deposit stays kept). Postgres cannot
-- drop an enum value, so the type is rebuilt without 'no_show' — and with it the no-overlap
-- exclusion constraint, whose WHERE names the type.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/202612071040_appointment_outcomes.down.sql
-- or as part of `tatu rollback --sql 202612071040_appointment_outcomes.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

UPDATE "Appointment"
SET status = 'cancelled', "cancelledBy" = COALESCE("cancelledBy", 'artist'), "cancelReason" = COALESCE("cancelReason", 'No-show')
WHERE status = 'no_show';

ALTER TABLE "Appointment" DROP COLUMN "outcomeAt",
                          DROP COLUMN "outcomeById";

ALTER TABLE "Appointment" DROP CONSTRAINT "Appointment_no_overlap";
ALTER TYPE "AppointmentStatus" RENAME TO "AppointmentStatus_old";
CREATE TYPE "AppointmentStatus" AS ENUM ('pending_deposit', 'confirmed', 'cancelled', 'completed');
ALTER TABLE "Appointment" ALTER COLUMN status DROP DEFAULT,
                          ALTER COLUMN status TYPE "AppointmentStatus" USING status::text::"AppointmentStatus",
                          ALTER COLUMN status SET DEFAULT 'pending_deposit';
DROP TYPE "AppointmentStatus_old";
ALTER TABLE "Appointment" ADD CONSTRAINT "Appointment_no_overlap"
  EXCLUDE USING gist ("artistId" WITH =, tsrange("start", "blockEnd") WITH &&)
  WHERE (status IN ('pending_deposit', 'confirmed'));

DELETE FROM "_prisma_migrations" WHERE migration_name = '202612071040_appointment_outcomes';
