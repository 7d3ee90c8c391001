-- The outcome of an appointment once its start has passed: completed (existing) or no_show,
-- recorded by the artist (outcomeAt, outcomeById). A no-show keeps the deposit.
ALTER TYPE "AppointmentStatus" ADD VALUE 'no_show';

ALTER TABLE "Appointment" ADD COLUMN "outcomeAt" TIMESTAMP(3),
ADD COLUMN "outcomeById" UUID;
