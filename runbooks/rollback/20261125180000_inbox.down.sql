-- Down script for prisma/migrations/20261125180000_inbox/migration.sql.
-- Leaves the schema exactly as 20261125170000_foundation left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: EVERYTHING in the unified inbox — connected accounts and their (encrypted) provider
-- tokens, contacts, conversations, messages, attachment rows (the files stay in storage), sync
-- runs and pending OAuth states. Providers must be connected again. Only for a failed first
-- deployment of the inbox.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261125180000_inbox.down.sql
-- or as part of `tatu rollback --sql 20261125180000_inbox.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP TABLE "OAuthState";
DROP TABLE "SyncRun";
DROP TABLE "Attachment";
DROP TABLE "Message";
DROP TABLE "Conversation";
DROP TABLE "ContactIdentity";
DROP TABLE "Contact";
DROP TABLE "ConnectedAccount";

DROP TYPE "DeliveryStatus";
DROP TYPE "MessageDirection";
DROP TYPE "AccountStatus";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261125180000_inbox';
