// S3 / S3-compatible (R2, MinIO) blob store through the official AWS SDK.
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import type { BlobStore } from "./types.ts";

export interface S3Settings { bucket: string; region: string; accessKeyId?: string; secretAccessKey?: string; endpoint?: string }

export function createS3Store(s: S3Settings): BlobStore {
  const client = new S3Client({
    region: s.region,
    endpoint: s.endpoint,
    // Path-style addressing works with every S3-compatible endpoint; AWS accepts it too.
    forcePathStyle: Boolean(s.endpoint),
    credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } : undefined,
  });
  return {
    kind: "s3",
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: s.bucket, Key: key, Body: body, ContentType: contentType }));
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
