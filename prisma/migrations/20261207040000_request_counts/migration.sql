-- Requests the API answered, per minute (summed over replicas): the denominator of the hypercare
-- per-minute 5xx series. Each replica buffers its counts and upserts them every few seconds.
CREATE TABLE "RequestCount" (
    "minute" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "RequestCount_pkey" PRIMARY KEY ("minute")
);
