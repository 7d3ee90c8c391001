-- One Tatu user per Twilio number (issue 15: a studio could connect anothers SMS number).
-- Bring-your-own Twilio accounts name their AccountSid, platform numbers need an admins
-- assignment. Written so `prisma migrate deploy` succeeds on any existing data.

-- AlterTable
ALTER TABLE "ConnectedAccount" ADD COLUMN "providerAccountId" TEXT;

-- CreateTable
CREATE TABLE "TwilioNumberAssignment" (
    "phoneNumber" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "assignedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TwilioNumberAssignment_pkey" PRIMARY KEY ("phoneNumber")
);

-- CreateIndex
CREATE INDEX "TwilioNumberAssignment_userId_idx" ON "TwilioNumberAssignment"("userId");

-- CreateIndex
CREATE INDEX "ConnectedAccount_provider_providerAccountId_idx" ON "ConnectedAccount"("provider", "providerAccountId");

-- AddForeignKey
ALTER TABLE "TwilioNumberAssignment" ADD CONSTRAINT "TwilioNumberAssignment_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Existing data: until now any user could connect any number of the servers account, so one
-- number may be live on several accounts. Keep the oldest (createdAt, then id: deterministic),
-- the others are disconnected with a reason the owner sees, and their history stays readable.
WITH ranked AS (
  SELECT id, row_number() OVER (PARTITION BY "externalId" ORDER BY "createdAt" ASC, id ASC) AS n
  FROM "ConnectedAccount"
  WHERE provider = 'twilio' AND status <> 'disabled'
)
UPDATE "ConnectedAccount" c
SET status = 'disabled',
    "lastError" = 'This number is connected by another studio. Ask the administrator to assign it to you, or connect your own Twilio account.',
    "lastErrorClass" = 'auth',
    "lastErrorAt" = now(),
    "updatedAt" = now()
FROM ranked r
WHERE c.id = r.id AND r.n > 1;

-- The studio that keeps a number of the servers account keeps it assigned (an admin can
-- reassign it, GET /api/admin/twilio-numbers lists them).
INSERT INTO "TwilioNumberAssignment" ("phoneNumber", "userId", "assignedBy", "createdAt", "updatedAt")
SELECT "externalId", "userId", 'migration 20261206110000', now(), now()
FROM "ConnectedAccount"
WHERE provider = 'twilio' AND status <> 'disabled'
ON CONFLICT ("phoneNumber") DO NOTHING;

-- At most one live account per Twilio number, enforced by the database (two concurrent
-- connects cannot both win). Disconnected accounts keep their history and do not count.
CREATE UNIQUE INDEX "ConnectedAccount_twilio_number_owner" ON "ConnectedAccount" ("externalId")
  WHERE provider = 'twilio' AND status <> 'disabled';
