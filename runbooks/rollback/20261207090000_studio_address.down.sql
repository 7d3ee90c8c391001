-- Down script for prisma/migrations/20261207090000_studio_address/migration.sql.
-- Leaves the schema exactly as 20261207040000_request_counts left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: every studio's street and postcode ("street", "postcode" on "ArtistProfile"). City,
-- country and the map location stay; customers see no street address until artists enter it again.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261207090000_studio_address.down.sql
-- or as part of `tatu rollback --sql 20261207090000_studio_address.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

ALTER TABLE "ArtistProfile" DROP COLUMN "street",
                            DROP COLUMN "postcode";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261207090000_studio_address';
