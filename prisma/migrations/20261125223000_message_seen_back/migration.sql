-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "seenBackAt" TIMESTAMP(3),
ADD COLUMN     "seenBackVia" TEXT;

