-- Rejected webhooks are counted per source, reason and minute (no row per forged request).
CREATE TABLE "WebhookRejectionCount" (
    "source" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "WebhookRejectionCount_pkey" PRIMARY KEY ("source", "reason", "minute")
);
CREATE INDEX "WebhookRejectionCount_minute_idx" ON "WebhookRejectionCount"("minute");

-- Append-only history of switch changes.
CREATE TABLE "SwitchChange" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "by" TEXT NOT NULL,
    "reason" TEXT,
    "beforeEnabled" BOOLEAN NOT NULL,
    "afterEnabled" BOOLEAN NOT NULL,
    CONSTRAINT "SwitchChange_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "SwitchChange_name_at_idx" ON "SwitchChange"("name", "at");
CREATE INDEX "SwitchChange_at_idx" ON "SwitchChange"("at");

-- Prisma's migration runner splits the file at every semicolon, quoted or not: the function
-- body spells its semicolons as \073 in an escape string.
CREATE FUNCTION "SwitchChange_append_only"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN RAISE EXCEPTION ''SwitchChange is append-only: % is not allowed'', TG_OP\073 END\073';
CREATE TRIGGER "SwitchChange_no_update_delete" BEFORE UPDATE OR DELETE ON "SwitchChange"
  FOR EACH ROW EXECUTE FUNCTION "SwitchChange_append_only"();
CREATE TRIGGER "SwitchChange_no_truncate" BEFORE TRUNCATE ON "SwitchChange"
  FOR EACH STATEMENT EXECUTE FUNCTION "SwitchChange_append_only"();
