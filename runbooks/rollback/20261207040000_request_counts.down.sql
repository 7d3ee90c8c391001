-- Undo 20261207040000_request_counts: drop the per-minute request counters.
-- Loses: the request totals of the hypercare per-minute series (5xx counts are kept in "ServerErrorEvent").
-- Apply: psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261207040000_request_counts.down.sql

DROP TABLE IF EXISTS "RequestCount";

-- Tell Prisma the migration is no longer applied, so `prisma migrate deploy` re-applies a fixed one.
DELETE FROM "_prisma_migrations" WHERE migration_name = '20261207040000_request_counts';
