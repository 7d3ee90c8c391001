import path from "node:path";
import type { Config } from "../config/load.ts";
import { createLocalStore } from "./local.ts";
import { createS3Store } from "./s3.ts";
import type { BlobStore } from "./types.ts";

export type { BlobStore };

export function createBlobStore(config: Config): BlobStore {
  const e = config.env;
  if (e.S3_BUCKET)
    return createS3Store({
      bucket: e.S3_BUCKET,
      region: e.S3_REGION ?? "us-east-1",
      accessKeyId: e.S3_ACCESS_KEY_ID,
      secretAccessKey: e.S3_SECRET_ACCESS_KEY,
      endpoint: e.S3_ENDPOINT,
    });
  return createLocalStore(path.join(config.dataDir, "attachments"));
}
