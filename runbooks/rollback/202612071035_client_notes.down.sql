-- Undo 202612071035_client_notes: drop the artists' private client notes and the conversation index by contact.
-- Loses: every private note an artist wrote about a client.
-- Apply: psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/202612071035_client_notes.down.sql

DROP TABLE IF EXISTS "ClientNote";
DROP INDEX IF EXISTS "Conversation_contactId_idx";

-- Tell Prisma the migration is no longer applied, so `prisma migrate deploy` re-applies a fixed one.
DELETE FROM "_prisma_migrations" WHERE migration_name = '202612071035_client_notes';
