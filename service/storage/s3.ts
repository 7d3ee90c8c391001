// S3 / S3-compatible (R2, MinIO) blob store through the official AWS SDK. Streamed uploads are
// spooled to a temp file first (bounded by the upload caps): the object is only created once the
// whole upload passed its checks, and PutObject gets a known length without buffering in memory.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobStore } from "./types.ts";

type S3Sdk = typeof import("@aws-sdk/client-s3");

export interface S3Settings {
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  endpoint?: string;
}

export function createS3Store(s: S3Settings): BlobStore {
  // The AWS SDK is imported at the first blob operation, not at boot (it is large, and most
  // requests never touch attachments).
  let loading: Promise<{ sdk: S3Sdk; client: InstanceType<S3Sdk["S3Client"]> }> | undefined;
  const s3 = () => (loading ??= import("@aws-sdk/client-s3").then((sdk) => ({ sdk, client: s3Client(sdk, s) })));
  return {
    kind: "s3",
    async put(key, body, contentType) {
      const { sdk, client } = await s3();
      await client.send(new sdk.PutObjectCommand({ Bucket: s.bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async putStream(key, body, contentType) {
      const spool = path.join(os.tmpdir(), `tatu-upload-${randomUUID()}`);
      try {
        await pipeline(body, fs.createWriteStream(spool, { mode: 0o600 }));
        const { size } = await fs.promises.stat(spool);
        const { sdk, client } = await s3();
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: s.bucket,
            Key: key,
            Body: fs.createReadStream(spool),
            ContentLength: size,
            ContentType: contentType,
          }),
        );
      } finally {
        await fs.promises.rm(spool, { force: true });
      }
    },
    async get(key) {
      const { sdk, client } = await s3();
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: s.bucket, Key: key }));
        return out.Body as Readable | undefined;
      } catch (err) {
        if (err instanceof sdk.NoSuchKey || (err as { name?: string }).name === "NoSuchKey") return undefined;
        throw err;
      }
    },
    async delete(key) {
      const { sdk, client } = await s3();
      await client.send(new sdk.DeleteObjectCommand({ Bucket: s.bucket, Key: key }));
    },
  };
}

function s3Client(sdk: S3Sdk, s: S3Settings) {
  return new sdk.S3Client({
    region: s.region,
    endpoint: s.endpoint,
    // Path-style addressing works with every S3-compatible endpoint; AWS accepts it too.
    forcePathStyle: Boolean(s.endpoint),
    credentials:
      s.accessKeyId && s.secretAccessKey
        ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }
        : undefined,
  });
}
