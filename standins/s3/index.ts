// Local stand-in for Amazon S3 (path-style REST: PutObject, GetObject, HeadObject,
// DeleteObject on one bucket) with real SigV4 verification, status codes, XML error
// bodies and headers, for tests and `tatu launch --rehearse`. S3_ENDPOINT & co. point
// Tatu's official-SDK store at it (see env()). Anything else S3 offers answers 501.
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { closeServer, listenLoopback } from "../shared/http.ts";
import { S3Error, defaultMessages, errorXml, hostId, notImplemented } from "./errors.ts";
import { decodePayload, type Checksum } from "./payload.ts";
import { parseQuery, verifySigV4 } from "./sigv4.ts";

export interface StoredObject {
  body: Buffer;
  contentType: string;
  /** Quoted hex MD5, as S3 returns it for single-part uploads. */
  etag: string;
  lastModified: Date;
  contentEncoding?: string;
  checksum?: Checksum;
}

export interface S3RequestRecord {
  method: string;
  bucket: string;
  key: string;
  status: number;
  code?: string;
}

export interface S3StandIn {
  url: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  env(): {
    S3_BUCKET: string;
    S3_REGION: string;
    S3_ACCESS_KEY_ID: string;
    S3_SECRET_ACCESS_KEY: string;
    S3_ENDPOINT: string;
  };
  /** Ground truth: the bucket's objects by key (live map; tests may seed or inspect it). */
  objects(): Map<string, StoredObject>;
  /** The next n requests (any operation, before authentication) answer this error. */
  failNext(n: number, fault: { status: number; code: string; message?: string }): void;
  /** Every request answered, in order (retries show up as repeated entries). */
  requests(): S3RequestRecord[];
  close(): Promise<void>;
}

export interface S3StandInOptions {
  port?: number;
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  bucket?: string;
}

export async function startS3StandIn(opts: S3StandInOptions = {}): Promise<S3StandIn> {
  const accessKeyId = opts.accessKeyId ?? "AKIATATUSTANDIN00001";
  const secretAccessKey = opts.secretAccessKey ?? "tatu/standin/S3+secret+key+not+for+production";
  const region = opts.region ?? "us-east-1";
  const bucket = opts.bucket ?? "tatu-attachments";
  const credentials = new Map([[accessKeyId, secretAccessKey]]);
  const objects = new Map<string, StoredObject>();
  const faults: { status: number; code: string; message?: string }[] = [];
  const log: S3RequestRecord[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    // Answer only after the whole body is in: replying mid-upload breaks keep-alive clients.
    req.on("end", () => void handle(req, res, Buffer.concat(chunks)));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer) {
    const requestId = randomBytes(8).toString("hex").toUpperCase();
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? "" : url.slice(q + 1);
    const slash = rawPath.indexOf("/", 1);
    const rawBucket = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
    const rawKey = slash < 0 ? "" : rawPath.slice(slash + 1);
    const record: S3RequestRecord = { method, bucket: "", key: "", status: 0 };
    log.push(record);

    const reply = (status: number, headers: Record<string, string | number>, body?: Buffer | string) => {
      record.status = status;
      res.writeHead(status, {
        "x-amz-request-id": requestId,
        "x-amz-id-2": hostId(requestId),
        date: new Date().toUTCString(),
        server: "AmazonS3",
        ...headers,
      });
      res.end(method === "HEAD" ? undefined : body);
    };
    const fail = (err: S3Error) => {
      record.code = err.code;
      const xml = errorXml(err, requestId);
      // HEAD errors carry no body: the SDK then names them by status (NotFound, Forbidden…).
      // A wrong-region error names the bucket's region in a header too: the SDK's region redirect follows it.
      const regionHint: Record<string, string> = err.fields.Region ? { "x-amz-bucket-region": err.fields.Region } : {};
      reply(
        err.status,
        method === "HEAD"
          ? regionHint
          : { ...regionHint, "content-type": "application/xml", "content-length": Buffer.byteLength(xml) },
        xml,
      );
    };

    try {
      record.bucket = decodeURIComponent(rawBucket);
      record.key = decodeURIComponent(rawKey);
      const fault = faults.shift();
      if (fault)
        throw new S3Error(fault.status, fault.code, fault.message ?? defaultMessages[fault.code] ?? fault.code);

      const query = parseQuery(rawQuery);
      await verifySigV4({ method, rawPath, query, headers: req.headers, credentials, region, now: new Date() });

      if (!record.bucket) throw notImplemented("service-level operations (ListBuckets)");
      if (record.bucket !== bucket)
        throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: record.bucket });
      if (!record.key) throw notImplemented(`bucket-level operations (${method} /${record.bucket})`);
      const subresources = Object.keys(query).filter((k) => k !== "x-id");
      if (subresources.length) throw notImplemented(`object subresources (?${subresources.join("&")})`);
      const key = record.key;

      switch (method) {
        case "PUT": {
          if (req.headers["x-amz-copy-source"]) throw notImplemented("CopyObject");
          const { body, checksum, contentEncoding } = decodePayload(raw, req.headers);
          const etag = `"${createHash("md5").update(body).digest("hex")}"`;
          objects.set(key, {
            body,
            contentType: req.headers["content-type"] ?? "binary/octet-stream",
            etag,
            lastModified: new Date(),
            contentEncoding,
            checksum,
          });
          const echo: Record<string, string> = checksum
            ? { [`x-amz-checksum-${checksum.algorithm}`]: checksum.value, "x-amz-checksum-type": "FULL_OBJECT" }
            : {};
          return reply(200, { etag, "content-length": 0, ...echo });
        }
        case "GET":
        case "HEAD": {
          if (req.headers.range) throw notImplemented("Range requests");
          const o = objects.get(key);
          if (!o) throw new S3Error(404, "NoSuchKey", "The specified key does not exist.", { Key: key });
          const headers: Record<string, string | number> = {
            "content-type": o.contentType,
            "content-length": o.body.length,
            etag: o.etag,
            "last-modified": o.lastModified.toUTCString(),
            "accept-ranges": "bytes",
          };
          if (o.contentEncoding) headers["content-encoding"] = o.contentEncoding;
          // With x-amz-checksum-mode: ENABLED (the SDK's default) S3 returns the stored checksum, and the SDK validates the body against it.
          if (o.checksum && req.headers["x-amz-checksum-mode"] === "ENABLED") {
            headers[`x-amz-checksum-${o.checksum.algorithm}`] = o.checksum.value;
            headers["x-amz-checksum-type"] = "FULL_OBJECT";
          }
          return reply(200, headers, o.body);
        }
        case "DELETE":
          objects.delete(key); // S3 answers 204 whether or not the key existed
          return reply(204, {});
        default:
          throw new S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.", {
            Method: method,
            ResourceType: "OBJECT",
          });
      }
    } catch (err) {
      if (err instanceof S3Error) return fail(err);
      if (err instanceof URIError) return fail(new S3Error(400, "InvalidURI", "Couldn't parse the specified URI."));
      return fail(new S3Error(500, "InternalError", defaultMessages.InternalError!));
    }
  }

  const url = await listenLoopback(server, opts.port);
  return {
    url,
    bucket,
    region,
    accessKeyId,
    env: () => ({
      S3_BUCKET: bucket,
      S3_REGION: region,
      S3_ACCESS_KEY_ID: accessKeyId,
      S3_SECRET_ACCESS_KEY: secretAccessKey,
      S3_ENDPOINT: url,
    }),
    objects: () => objects,
    failNext(n, fault) {
      for (let i = 0; i < n; i++) faults.push(fault);
    },
    requests: () => log,
    close: () => closeServer(server),
  };
}
