-- Reschedule approval and the original start the deposit policy measures notice against.
ALTER TABLE "Appointment" ADD COLUMN "policyStart" TIMESTAMP(3),
                          ADD COLUMN "requestedStart" TIMESTAMP(3),
                          ADD COLUMN "requestedAt" TIMESTAMP(3);

-- Existing appointments: the best known original start is the current one.
UPDATE "Appointment" SET "policyStart" = start;
