-- Down script for prisma/migrations/20261125223000_message_seen_back/migration.sql.
-- Leaves the schema exactly as 20261125213000_conversation_contact left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: when and through which channel each message was seen back ("Message"."seenBackAt",
-- "seenBackVia": read receipts).
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261125223000_message_seen_back.down.sql
-- or as part of `tatu rollback --sql 20261125223000_message_seen_back.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

ALTER TABLE "Message" DROP COLUMN "seenBackAt",
DROP COLUMN "seenBackVia";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261125223000_message_seen_back';
