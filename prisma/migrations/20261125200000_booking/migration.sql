-- Extensions: btree_gist (uuid equality inside the exclusion constraint), cube +
-- earthdistance (the artist search's spatial index). All ship with postgresql-contrib and
-- with the embedded PGlite (loaded in service/db/embedded.ts).
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

-- CreateEnum
CREATE TYPE "ServiceKind" AS ENUM ('consultation', 'session');

-- CreateEnum
CREATE TYPE "BookingRequestStatus" AS ENUM ('pending', 'offered', 'declined', 'booked', 'cancelled');

-- CreateEnum
CREATE TYPE "DepositStatus" AS ENUM ('none', 'pending', 'paid', 'refunded', 'kept');

-- CreateEnum
CREATE TYPE "AppointmentStatus" AS ENUM ('pending_deposit', 'confirmed', 'cancelled', 'completed');

-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('open', 'paid', 'expired', 'refunded');

-- CreateEnum
CREATE TYPE "ReminderStatus" AS ENUM ('claimed', 'sent', 'failed', 'skipped');

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "phone" TEXT,
ADD COLUMN     "remindersOptOut" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "ArtistProfile" (
    "userId" UUID NOT NULL,
    "displayName" TEXT NOT NULL,
    "studio" TEXT,
    "styles" TEXT[],
    "bio" TEXT,
    "city" TEXT,
    "country" TEXT,
    "lat" DOUBLE PRECISION,
    "lng" DOUBLE PRECISION,
    "publicLat" DOUBLE PRECISION,
    "publicLng" DOUBLE PRECISION,
    "visible" BOOLEAN NOT NULL DEFAULT false,
    "bookingOpen" BOOLEAN NOT NULL DEFAULT true,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "workingHours" JSONB NOT NULL DEFAULT '{}',
    "bufferMinutes" INTEGER NOT NULL DEFAULT 15,
    "cancelNoticeHours" INTEGER NOT NULL DEFAULT 48,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ArtistProfile_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "PortfolioImage" (
    "id" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "storageKey" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "caption" TEXT,
    "position" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PortfolioImage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Service" (
    "id" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "kind" "ServiceKind" NOT NULL,
    "name" TEXT NOT NULL,
    "durationMinutes" INTEGER NOT NULL,
    "depositCents" INTEGER NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL DEFAULT 'eur',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CalendarConnection" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "calendarExternalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timeZone" TEXT,
    "readOnly" BOOLEAN NOT NULL DEFAULT false,
    "isPrimary" BOOLEAN NOT NULL DEFAULT false,
    "status" "AccountStatus" NOT NULL DEFAULT 'active',
    "syncCursor" JSONB,
    "lastSyncAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "lastError" TEXT,
    "lastErrorClass" TEXT,
    "syncLeaseUntil" TIMESTAMP(3),
    "syncLeaseOwner" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CalendarConnection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BusyBlock" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "externalId" TEXT NOT NULL,
    "iCalUID" TEXT,
    "start" TIMESTAMP(3) NOT NULL,
    "end" TIMESTAMP(3) NOT NULL,
    "allDay" BOOLEAN NOT NULL DEFAULT false,
    "cancelled" BOOLEAN NOT NULL DEFAULT false,
    "transparent" BOOLEAN NOT NULL DEFAULT false,
    "appointmentId" UUID,
    "etag" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BusyBlock_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BookingRequest" (
    "id" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "serviceId" UUID,
    "idea" TEXT NOT NULL,
    "placement" TEXT NOT NULL,
    "size" TEXT NOT NULL,
    "budget" TEXT,
    "status" "BookingRequestStatus" NOT NULL DEFAULT 'pending',
    "offeredSlots" JSONB,
    "declineReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BookingRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BookingReference" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "filename" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BookingReference_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Project" (
    "id" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "depositCents" INTEGER NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL DEFAULT 'eur',
    "depositStatus" "DepositStatus" NOT NULL DEFAULT 'none',
    "depositAppointmentId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Appointment" (
    "id" UUID NOT NULL,
    "artistId" UUID NOT NULL,
    "customerId" UUID NOT NULL,
    "projectId" UUID,
    "serviceId" UUID,
    "start" TIMESTAMP(3) NOT NULL,
    "end" TIMESTAMP(3) NOT NULL,
    "blockEnd" TIMESTAMP(3) NOT NULL,
    "timeZone" TEXT NOT NULL,
    "status" "AppointmentStatus" NOT NULL DEFAULT 'pending_deposit',
    "cancelledBy" TEXT,
    "cancelReason" TEXT,
    "depositOutcome" TEXT,
    "calendarConnectionId" UUID,
    "calendarEventId" TEXT,
    "calendarEtag" TEXT,
    "calendarState" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Appointment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Payment" (
    "id" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "appointmentId" UUID,
    "stripeCheckoutSessionId" TEXT NOT NULL,
    "stripePaymentIntentId" TEXT,
    "amountCents" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "status" "PaymentStatus" NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Reminder" (
    "id" UUID NOT NULL,
    "appointmentId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "status" "ReminderStatus" NOT NULL DEFAULT 'claimed',
    "claimedBy" TEXT,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
    "providerId" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "Reminder_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ArtistProfile_visible_idx" ON "ArtistProfile"("visible");

-- CreateIndex
CREATE INDEX "PortfolioImage_artistId_position_idx" ON "PortfolioImage"("artistId", "position");

-- CreateIndex
CREATE INDEX "Service_artistId_idx" ON "Service"("artistId");

-- CreateIndex
CREATE INDEX "CalendarConnection_userId_idx" ON "CalendarConnection"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "CalendarConnection_accountId_calendarExternalId_key" ON "CalendarConnection"("accountId", "calendarExternalId");

-- CreateIndex
CREATE INDEX "BusyBlock_userId_start_idx" ON "BusyBlock"("userId", "start");

-- CreateIndex
CREATE UNIQUE INDEX "BusyBlock_connectionId_externalId_key" ON "BusyBlock"("connectionId", "externalId");

-- CreateIndex
CREATE INDEX "BookingRequest_artistId_status_createdAt_idx" ON "BookingRequest"("artistId", "status", "createdAt");

-- CreateIndex
CREATE INDEX "BookingRequest_customerId_createdAt_idx" ON "BookingRequest"("customerId", "createdAt");

-- CreateIndex
CREATE INDEX "BookingReference_requestId_idx" ON "BookingReference"("requestId");

-- CreateIndex
CREATE UNIQUE INDEX "Project_requestId_key" ON "Project"("requestId");

-- CreateIndex
CREATE INDEX "Appointment_artistId_start_idx" ON "Appointment"("artistId", "start");

-- CreateIndex
CREATE INDEX "Appointment_customerId_start_idx" ON "Appointment"("customerId", "start");

-- CreateIndex
CREATE INDEX "Appointment_status_start_idx" ON "Appointment"("status", "start");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_stripeCheckoutSessionId_key" ON "Payment"("stripeCheckoutSessionId");

-- CreateIndex
CREATE INDEX "Reminder_status_claimedAt_idx" ON "Reminder"("status", "claimedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Reminder_appointmentId_kind_key" ON "Reminder"("appointmentId", "kind");

-- AddForeignKey
ALTER TABLE "ArtistProfile" ADD CONSTRAINT "ArtistProfile_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PortfolioImage" ADD CONSTRAINT "PortfolioImage_artistId_fkey" FOREIGN KEY ("artistId") REFERENCES "ArtistProfile"("userId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Service" ADD CONSTRAINT "Service_artistId_fkey" FOREIGN KEY ("artistId") REFERENCES "ArtistProfile"("userId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BusyBlock" ADD CONSTRAINT "BusyBlock_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "CalendarConnection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BookingReference" ADD CONSTRAINT "BookingReference_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "BookingRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Project" ADD CONSTRAINT "Project_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "BookingRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Appointment" ADD CONSTRAINT "Appointment_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reminder" ADD CONSTRAINT "Reminder_appointmentId_fkey" FOREIGN KEY ("appointmentId") REFERENCES "Appointment"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- No double booking, decided by the database: live appointments of one artist never
-- overlap, buffer included (blockEnd = end + buffer).
ALTER TABLE "Appointment" ADD CONSTRAINT "Appointment_no_overlap"
  EXCLUDE USING gist ("artistId" WITH =, tsrange("start", "blockEnd") WITH &&)
  WHERE (status IN ('pending_deposit', 'confirmed'));

-- Artist search: a GiST index on the public point, for earth_box radius queries.
CREATE INDEX "ArtistProfile_public_point" ON "ArtistProfile"
  USING gist (ll_to_earth("publicLat", "publicLng"))
  WHERE visible AND "publicLat" IS NOT NULL AND "publicLng" IS NOT NULL;
