-- Example: undo a migration that added a nullable column and an index
-- (`prisma/migrations/<timestamp>_add_booking_note/migration.sql`).
-- Loses: the contents of "Appointment"."internalNote" written since the migration.
-- Apply: psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/example.down.sql

DROP INDEX IF EXISTS "Appointment_internalNote_idx";
ALTER TABLE "Appointment" DROP COLUMN IF EXISTS "internalNote";

-- Tell Prisma the migration is no longer applied, so `prisma migrate deploy` re-applies a fixed one.
DELETE FROM "_prisma_migrations" WHERE migration_name = '<timestamp>_add_booking_note';
