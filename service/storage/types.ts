// Attachment bytes live outside Postgres, behind one small interface: local disk by
// default, S3 (or any S3-compatible store) when S3_BUCKET is set.
import type { Readable } from "node:stream";

export interface BlobStore {
  readonly kind: "local" | "s3";
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /**
   * Stores a stream without holding it in memory. If the stream fails (an upload over its cap,
   * a client that went away) nothing is left under the key and the promise rejects.
   */
  putStream(key: string, body: Readable, contentType: string): Promise<void>;
  /** A stream of the object, or undefined when it does not exist. */
  get(key: string): Promise<Readable | undefined>;
  delete(key: string): Promise<void>;
}
