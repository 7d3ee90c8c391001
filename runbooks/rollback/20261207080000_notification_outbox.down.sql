-- Undo 20261207080000_notification_outbox: drop the notification outbox and preferences.
-- Loses: notifications not yet sent (pending rows) and every user's notification preferences.
-- Apply: psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261207080000_notification_outbox.down.sql

DROP TABLE IF EXISTS "NotificationOutbox";
DROP TABLE IF EXISTS "NotificationPreference";
DROP TYPE IF EXISTS "NotificationStatus";

-- Tell Prisma the migration is no longer applied, so `prisma migrate deploy` re-applies a fixed one.
DELETE FROM "_prisma_migrations" WHERE migration_name = '20261207080000_notification_outbox';
