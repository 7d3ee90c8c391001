-- Down script for prisma/migrations/20261206120000_account_recovery/migration.sql.
-- Leaves the schema exactly as 20261206110000_twilio_number_owner left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: every password-reset token ("PasswordResetToken": outstanding reset links stop
-- working), when each user last set their password themselves ("User"."passwordSetByOwnerAt"),
-- and the pending name/password/role of signups awaiting verification
-- ("EmailVerificationToken"."pendingName", "pendingPasswordHash", "pendingRole"): those
-- verification links still verify the address, but the pending details are gone.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261206120000_account_recovery.down.sql
-- or as part of `tatu rollback --sql 20261206120000_account_recovery.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP TABLE "PasswordResetToken";

ALTER TABLE "EmailVerificationToken" DROP COLUMN "pendingName",
DROP COLUMN "pendingPasswordHash",
DROP COLUMN "pendingRole";

ALTER TABLE "User" DROP COLUMN "passwordSetByOwnerAt";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261206120000_account_recovery';
