-- Down script for prisma/migrations/20261125200000_booking/migration.sql.
-- Leaves the schema exactly as 20261125190000_webhooks left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: EVERYTHING about booking — artist profiles, portfolio images (rows; the files stay in
-- storage), services, calendar connections and busy blocks, booking requests and their
-- references, projects, appointments, payments (Stripe keeps its own records) and reminders —
-- plus each user's "phone" and "remindersOptOut". Only for a failed first deployment of booking.
-- Also drops the extensions the migration installed (earthdistance, cube, btree_gist): if
-- anything else in this database uses them, remove those three lines before applying.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261125200000_booking.down.sql
-- or as part of `tatu rollback --sql 20261125200000_booking.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP TABLE "Reminder";
DROP TABLE "Payment";
DROP TABLE "Appointment";
DROP TABLE "Project";
DROP TABLE "BookingReference";
DROP TABLE "BookingRequest";
DROP TABLE "BusyBlock";
DROP TABLE "CalendarConnection";
DROP TABLE "Service";
DROP TABLE "PortfolioImage";
DROP TABLE "ArtistProfile";

ALTER TABLE "User" DROP COLUMN "phone",
DROP COLUMN "remindersOptOut";

DROP TYPE "ReminderStatus";
DROP TYPE "PaymentStatus";
DROP TYPE "AppointmentStatus";
DROP TYPE "DepositStatus";
DROP TYPE "BookingRequestStatus";
DROP TYPE "ServiceKind";

DROP EXTENSION earthdistance;
DROP EXTENSION cube;
DROP EXTENSION btree_gist;

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261125200000_booking';
