// Attachment blob stores: local disk, and S3 through the official SDK against the S3
// stand-in (real SigV4, XML errors). Both are built the way boot does it, from env vars.
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { FinalizeRequestMiddleware, MetadataBearer } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../service/config/load.ts";
import { startS3StandIn, type S3StandIn } from "../../standins/s3/index.ts";
import { createBlobStore, type BlobStore } from "../../service/storage/index.ts";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function readAll(stream: Readable | undefined): Promise<Buffer | undefined> {
  if (!stream) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** A key shaped like the ones ingest/send build: `<userId>/<sha[0..2]>/<sha>`. */
const keyFor = (body: Buffer, user = "user_1") => `${user}/${sha(body).slice(0, 2)}/${sha(body)}`;

let tmp: string;
let s3: S3StandIn;

beforeAll(async () => {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), "tatu-blob-"));
  s3 = await startS3StandIn();
});
afterAll(async () => {
  await s3?.close();
  if (tmp) await fs.promises.rm(tmp, { recursive: true, force: true });
});

const storeFor = (kind: "local" | "s3", overrides: Record<string, string> = {}): BlobStore =>
  createBlobStore(
    loadConfig({ NODE_ENV: "test", TATU_DATA_DIR: tmp, ...(kind === "s3" ? s3.env() : {}), ...overrides }),
  );

describe.each(["local", "s3"] as const)("%s blob store", (kind) => {
  it("is the store the env vars select", () => {
    expect(storeFor(kind).kind).toBe(kind);
  });

  it("returns a 1.5 MB binary attachment byte-identical", async () => {
    const store = storeFor(kind);
    const body = randomBytes(1_500_000 + 321);
    const key = keyFor(body);
    await store.put(key, body, "image/png");
    const back = await readAll(await store.get(key));
    expect(back?.length).toBe(body.length);
    expect(sha(back!)).toBe(sha(body));
    if (kind === "s3") {
      const stored = s3.objects().get(key);
      expect(stored?.contentType).toBe("image/png");
      expect(sha(stored!.body)).toBe(sha(body));
      expect(stored!.etag).toBe(`"${createHash("md5").update(body).digest("hex")}"`);
    }
  });

  it("answers undefined for a key that was never stored", async () => {
    expect(await storeFor(kind).get("user_1/00/never-stored")).toBeUndefined();
  });

  it("treats a key that is only a prefix of stored keys as missing", async () => {
    const store = storeFor(kind);
    await store.put("user_pfx/ab/child.bin", Buffer.from("child"), "application/octet-stream");
    expect(await store.get("user_pfx")).toBeUndefined();
    expect(await store.get("user_pfx/ab")).toBeUndefined();
  });

  it("forgets an object once deleted, and deleting a missing key is fine", async () => {
    const store = storeFor(kind);
    const body = Buffer.from("delete me");
    const key = keyFor(body, "user_del");
    await store.put(key, body, "text/plain");
    expect(await readAll(await store.get(key))).toEqual(body);
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
    await expect(store.delete(key)).resolves.toBeUndefined();
  });

  it("stores a stream without buffering it, byte-identical; a stream that fails midway leaves nothing", async () => {
    const store = storeFor(kind);
    const body = randomBytes(3_000_000 + 7);
    const key = "user_stream/uploads/ok";
    await store.putStream(key, Readable.from([body.subarray(0, 1_000_000), body.subarray(1_000_000)]), "image/png");
    expect(sha((await readAll(await store.get(key)))!)).toBe(sha(body));
    const failing = new Readable({ read() {} });
    failing.push(randomBytes(500_000));
    setImmediate(() => failing.destroy(new Error("over the cap")));
    await expect(store.putStream("user_stream/uploads/broken", failing, "image/png")).rejects.toThrow("over the cap");
    expect(await store.get("user_stream/uploads/broken")).toBeUndefined();
    if (kind === "local")
      expect(await fs.promises.readdir(path.join(tmp, "attachments", "user_stream", "uploads"))).toEqual(["ok"]);
  });

  it("accepts a second put of the same key, and the latest bytes win", async () => {
    const store = storeFor(kind);
    const key = "user_2/ab/same-key.bin";
    await store.put(key, Buffer.from("first version"), "application/octet-stream");
    await store.put(key, Buffer.from("second"), "application/octet-stream");
    expect((await readAll(await store.get(key)))?.toString()).toBe("second");
  });
});

describe("local blob store keys", () => {
  const bad = [
    "../escape",
    "user_1/../../escape",
    "..",
    ".",
    "user_1/.",
    "/abs/key",
    "user_1//x",
    "user_1/",
    "a b",
    "a\\b",
    "naïve",
    "a\0b",
    "",
  ];

  it.each(bad)("rejects %j on put, get and delete without touching the disk outside the store", async (key) => {
    const store = storeFor("local");
    const before = await fs.promises.readdir(tmp);
    await expect(store.put(key, Buffer.from("x"), "text/plain")).rejects.toThrow("Invalid storage key");
    await expect(store.get(key)).rejects.toThrow("Invalid storage key");
    await expect(store.delete(key)).rejects.toThrow("Invalid storage key");
    expect(await fs.promises.readdir(tmp)).toEqual(before);
  });
});

describe("s3 blob store against the stand-in", () => {
  it("rejects a put signed with the wrong secret key (403 SignatureDoesNotMatch) and stores nothing", async () => {
    const store = storeFor("s3", { S3_SECRET_ACCESS_KEY: "not-the-right-secret" });
    const key = "user_3/00/wrong-secret";
    const err = await store.put(key, Buffer.from("nope"), "text/plain").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      name: "SignatureDoesNotMatch",
      Code: "SignatureDoesNotMatch",
      $metadata: { httpStatusCode: 403 },
    });
    expect(s3.objects().has(key)).toBe(false);
  });

  it("rejects an unknown access key id (403 InvalidAccessKeyId)", async () => {
    const store = storeFor("s3", { S3_ACCESS_KEY_ID: "AKIAUNKNOWNKEY000000" });
    await expect(store.get("user_1/00/anything")).rejects.toMatchObject({
      name: "InvalidAccessKeyId",
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("rejects a bucket that does not exist (404 NoSuchBucket) instead of calling the object missing", async () => {
    const store = storeFor("s3", { S3_BUCKET: "some-other-bucket" });
    await expect(store.get("user_1/00/anything")).rejects.toMatchObject({
      name: "NoSuchBucket",
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("surfaces a server error on get as a rejection, not as a missing object", async () => {
    const store = storeFor("s3");
    const body = Buffer.from("still here");
    const key = keyFor(body, "user_500");
    await store.put(key, body, "text/plain");
    const seen = s3.requests().length;
    // The SDK retries 5xx (3 attempts by default): fail every one of them.
    s3.failNext(3, { status: 500, code: "InternalError" });
    await expect(store.get(key)).rejects.toMatchObject({ name: "InternalError", $metadata: { httpStatusCode: 500 } });
    expect(
      s3
        .requests()
        .slice(seen)
        .map((r) => [r.method, r.status]),
    ).toEqual([
      ["GET", 500],
      ["GET", 500],
      ["GET", 500],
    ]);
    expect(await readAll(await store.get(key))).toEqual(body);
  });

  it("refuses unsigned requests and answers missing keys with S3's NoSuchKey XML", async () => {
    const anon = await fetch(`${s3.url}/${s3.bucket}/user_1/00/x`);
    expect(anon.status).toBe(403);
    expect(await anon.text()).toMatch(/<Code>AccessDenied<\/Code>/);

    const client = new S3Client({
      region: s3.region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.env().S3_ACCESS_KEY_ID, secretAccessKey: s3.env().S3_SECRET_ACCESS_KEY },
    });
    await expect(
      client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: "user_1/00/missing" })),
    ).rejects.toMatchObject({ name: "NotFound", $metadata: { httpStatusCode: 404 } });
    client.destroy();
  });

  it("rejects requests altered after signing: body (XAmzContentSHA256Mismatch) and headers (SignatureDoesNotMatch)", async () => {
    const tampered = (alter: (req: { body: unknown; headers: Record<string, string> }) => void) => {
      const client = new S3Client({
        region: s3.region,
        endpoint: s3.url,
        forcePathStyle: true,
        maxAttempts: 1,
        credentials: { accessKeyId: s3.env().S3_ACCESS_KEY_ID, secretAccessKey: s3.env().S3_SECRET_ACCESS_KEY },
      });
      const tamper: FinalizeRequestMiddleware<object, MetadataBearer> = (next) => async (args) => {
        alter(args.request as { body: unknown; headers: Record<string, string> });
        return next(args);
      };
      client.middlewareStack.addRelativeTo(tamper, {
        relation: "after",
        toMiddleware: "httpSigningMiddleware",
        name: "tamper",
      });
      return client;
    };
    const put = (c: S3Client) =>
      c.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: "user_4/tampered",
          Body: Buffer.from("hello"),
          ContentType: "text/plain",
        }),
      );
    await expect(
      put(
        tampered((r) => {
          r.body = Buffer.from("HELLO");
        }),
      ),
    ).rejects.toMatchObject({ name: "XAmzContentSHA256Mismatch", $metadata: { httpStatusCode: 400 } });
    await expect(
      put(
        tampered((r) => {
          r.headers["content-type"] = "text/html";
        }),
      ),
    ).rejects.toMatchObject({ name: "SignatureDoesNotMatch", $metadata: { httpStatusCode: 403 } });
    expect(s3.objects().has("user_4/tampered")).toBe(false);
    await expect(put(tampered(() => {}))).resolves.toBeDefined();
    expect(s3.objects().get("user_4/tampered")?.body.toString()).toBe("hello");
  });

  it("decodes the SDK's aws-chunked stream uploads (trailing CRC32) and keys with spaces and plus signs", async () => {
    const client = new S3Client({
      region: s3.region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.env().S3_ACCESS_KEY_ID, secretAccessKey: s3.env().S3_SECRET_ACCESS_KEY },
    });
    const body = randomBytes(200_000);
    const key = "user_1/odd name+plus (1).bin";
    await client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: Readable.from([body.subarray(0, 70_000), body.subarray(70_000)]),
        ContentLength: body.length,
        ContentType: "application/pdf",
      }),
    );
    const stored = s3.objects().get(key);
    expect(stored?.checksum?.algorithm).toBe("crc32");
    expect(stored?.contentEncoding).toBeUndefined();
    expect(sha(stored!.body)).toBe(sha(body));
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(head).toMatchObject({ ContentLength: body.length, ContentType: "application/pdf", ETag: stored!.etag });
    client.destroy();
  });
});
