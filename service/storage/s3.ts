// S3 / S3-compatible (R2, MinIO) blob store through the official AWS SDK. Streamed uploads are
// spooled to a temp file first (bounded by the upload caps): the object is only created once the
// whole upload passed its checks, and PutObject gets a known length without buffering in memory.
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobStore } from "./types.ts";

export interface S3Settings {
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  endpoint?: string;
}

export function createS3Store(s: S3Settings): BlobStore {
  const client = new S3Client({
    region: s.region,
    endpoint: s.endpoint,
    // Path-style addressing works with every S3-compatible endpoint; AWS accepts it too.
    forcePathStyle: Boolean(s.endpoint),
    credentials:
      s.accessKeyId && s.secretAccessKey
        ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }
        : undefined,
  });
  return {
    kind: "s3",
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: s.bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async putStream(key, body, contentType) {
      const spool = path.join(os.tmpdir(), `tatu-upload-${randomUUID()}`);
      try {
        await pipeline(body, fs.createWriteStream(spool, { mode: 0o600 }));
        const { size } = await fs.promises.stat(spool);
        await client.send(
          new PutObjectCommand({
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
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: s.bucket, Key: key }));
        return out.Body as Readable | undefined;
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey") return undefined;
        throw err;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: s.bucket, Key: key }));
    },
  };
}
