-- Account recovery and pre-registration takeover (issue 15 item 3).

-- AlterTable
ALTER TABLE "User" ADD COLUMN "passwordSetByOwnerAt" TIMESTAMP(3);
-- Accounts verified before this change confirmed their signup password through the emailed link.
UPDATE "User" SET "passwordSetByOwnerAt" = "emailVerifiedAt" WHERE "emailVerifiedAt" IS NOT NULL;

-- AlterTable
ALTER TABLE "EmailVerificationToken" ADD COLUMN "pendingName" TEXT,
ADD COLUMN "pendingPasswordHash" TEXT,
ADD COLUMN "pendingRole" "Role";

-- CreateTable
CREATE TABLE "PasswordResetToken" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PasswordResetToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PasswordResetToken_tokenHash_key" ON "PasswordResetToken"("tokenHash");

-- CreateIndex
CREATE INDEX "PasswordResetToken_userId_idx" ON "PasswordResetToken"("userId");

-- AddForeignKey
ALTER TABLE "PasswordResetToken" ADD CONSTRAINT "PasswordResetToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
