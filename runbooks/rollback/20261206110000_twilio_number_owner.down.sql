-- Down script for prisma/migrations/20261206110000_twilio_number_owner/migration.sql.
-- Leaves the schema exactly as 20261125223000_message_seen_back left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: every Twilio number assignment ("TwilioNumberAssignment": which studio owns which
-- number of the platform account), each connected account's "providerAccountId" (the
-- bring-your-own Twilio AccountSid), and the database's guarantee of one live account per
-- Twilio number.
-- Does not undo: the accounts the migration disabled because another studio held the same
-- number stay disabled (re-enabling them would put one number on several studios again).
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261206110000_twilio_number_owner.down.sql
-- or as part of `tatu rollback --sql 20261206110000_twilio_number_owner.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP INDEX "ConnectedAccount_twilio_number_owner";
DROP TABLE "TwilioNumberAssignment";
DROP INDEX "ConnectedAccount_provider_providerAccountId_idx";
ALTER TABLE "ConnectedAccount" DROP COLUMN "providerAccountId";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261206110000_twilio_number_owner';
