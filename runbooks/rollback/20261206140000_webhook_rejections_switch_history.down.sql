-- Down script for prisma/migrations/20261206140000_webhook_rejections_switch_history/migration.sql.
-- Leaves the schema exactly as 20261206130000_upload_usage left it (test/cli/rollback-sql.test.ts
-- checks it: up → down → up on a scratch database, schemas compared).
-- Loses: the per-minute counts of rejected webhooks ("WebhookRejectionCount") and the whole
-- history of switch changes ("SwitchChange": who turned which cron/provider on or off, and why).
-- The switches themselves ("Switch") keep their current state.
-- Apply only after a backup, newest migration first (one file per migration), in one transaction:
--   psql "$DATABASE_URL" --single-transaction -v ON_ERROR_STOP=1 -f runbooks/rollback/20261206140000_webhook_rejections_switch_history.down.sql
-- or as part of `tatu rollback --sql 20261206140000_webhook_rejections_switch_history.down.sql` (also one transaction).
-- Deleting the _prisma_migrations row lets `prisma migrate deploy` apply the (fixed) migration again.

DROP TRIGGER "SwitchChange_no_truncate" ON "SwitchChange";
DROP TRIGGER "SwitchChange_no_update_delete" ON "SwitchChange";
DROP FUNCTION "SwitchChange_append_only"();
DROP TABLE "SwitchChange";
DROP TABLE "WebhookRejectionCount";

DELETE FROM "_prisma_migrations" WHERE migration_name = '20261206140000_webhook_rejections_switch_history';
