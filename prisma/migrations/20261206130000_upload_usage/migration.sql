-- CreateTable
CREATE TABLE "UploadUsage" (
    "userId" UUID NOT NULL,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UploadUsage_pkey" PRIMARY KEY ("userId")
);
