-- Down script for prisma/migrations/20261125213000_conversation_contact/migration.sql.
-- Leaves the schema exactly as 20261125210000_reminder_indexes left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: the contact name and handle copied onto each conversation ("Conversation"."contactName",
-- "contactHandle"). Applying the migration again back-fills them from "Contact" and
-- "ContactIdentity", except for conversations without a contact.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261125213000_conversation_contact.down.sql
-- or as part of `tatu rollback --sql 20261125213000_conversation_contact.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP INDEX "Conversation_unread_list_idx";
ALTER TABLE "Conversation" DROP COLUMN "contactHandle",
DROP COLUMN "contactName";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261125213000_conversation_contact';
