// Request payloads as S3 receives them: the x-amz-content-sha256 modes, aws-chunked
// framing (what the SDK uses for streams: STREAMING-UNSIGNED-PAYLOAD-TRAILER with the
// checksum in a trailer) and the flexible checksums (x-amz-checksum-*, which the SDK
// now sends by default: CRC32 in a header for Buffers). Every claimed digest is checked.
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import zlib from "node:zlib";
import { S3Error, notImplemented } from "./errors.ts";

export interface Checksum {
  algorithm: string;
  value: string;
}
export interface DecodedPayload {
  body: Buffer;
  checksum?: Checksum;
  contentEncoding?: string;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(",") : v);

const crc32cTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32c(data: Buffer): number {
  let c = 0xffffffff;
  for (const b of data) c = crc32cTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString("base64");
};

const checksummers: Record<string, (b: Buffer) => string> = {
  crc32: (b) => u32(zlib.crc32(b)),
  crc32c: (b) => u32(crc32c(b)),
  sha1: (b) => createHash("sha1").update(b).digest("base64"),
  sha256: (b) => createHash("sha256").update(b).digest("base64"),
};

/** Parses aws-chunked framing: `<hex>[;ext]\r\n<data>\r\n` … `0\r\n` then trailer lines and a blank line. */
function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const malformed = () => new S3Error(400, "IncompleteBody", "The request body terminated unexpectedly");
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf("\r\n", pos);
    if (eol < 0) throw malformed();
    const line = raw.subarray(pos, eol).toString("latin1");
    if (/;chunk-signature=/.test(line))
      throw notImplemented("signed aws-chunked payloads (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)");
    const size = Number.parseInt(line.split(";")[0]!, 16);
    if (!Number.isFinite(size) || size < 0) throw malformed();
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size + 2 > raw.length || raw[pos + size] !== 0x0d || raw[pos + size + 1] !== 0x0a) throw malformed();
    parts.push(raw.subarray(pos, pos + size));
    pos += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (;;) {
    const eol = raw.indexOf("\r\n", pos);
    if (eol < 0) break; // some clients omit the final blank line
    const line = raw.subarray(pos, eol).toString("latin1");
    pos = eol + 2;
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon < 0) throw malformed();
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

export function decodePayload(raw: Buffer, headers: IncomingHttpHeaders): DecodedPayload {
  const mode = one(headers["x-amz-content-sha256"]) ?? "";
  const encodings = (one(headers["content-encoding"]) ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  let body = raw;
  let trailers: Record<string, string> = {};

  if (/^[0-9a-f]{64}$/.test(mode)) {
    const actual = createHash("sha256").update(raw).digest("hex");
    if (actual !== mode)
      throw new S3Error(
        400,
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: mode, S3ComputedContentSHA256: actual },
      );
  } else if (mode === "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
    if (!encodings.includes("aws-chunked"))
      throw new S3Error(400, "InvalidRequest", "STREAMING payloads require Content-Encoding: aws-chunked");
    ({ body, trailers } = decodeAwsChunked(raw));
    const declared = Number(one(headers["x-amz-decoded-content-length"]));
    if (!Number.isInteger(declared) || declared !== body.length)
      throw new S3Error(
        400,
        "IncompleteBody",
        "You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header",
      );
  } else if (mode.startsWith("STREAMING-")) {
    throw notImplemented(`x-amz-content-sha256: ${mode}`);
  } else if (mode !== "UNSIGNED-PAYLOAD") {
    throw new S3Error(
      400,
      "InvalidArgument",
      "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, or a valid sha256 value.",
      { ArgumentName: "x-amz-content-sha256", ArgumentValue: mode },
    );
  }

  const md5 = one(headers["content-md5"]);
  if (md5 !== undefined && createHash("md5").update(body).digest("base64") !== md5)
    throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");

  // The checksum comes either as a header or, for aws-chunked, as the trailer named in x-amz-trailer.
  const trailerName = one(headers["x-amz-trailer"])?.toLowerCase();
  const source: Record<string, string | undefined> = {
    ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, one(v)])),
    ...trailers,
  };
  if (trailerName && source[trailerName] === undefined)
    throw new S3Error(400, "InvalidRequest", `The trailer ${trailerName} was declared but not sent.`);
  const names = Object.keys(source).filter(
    (k) =>
      k.startsWith("x-amz-checksum-") &&
      k !== "x-amz-checksum-type" &&
      k !== "x-amz-checksum-mode" &&
      k !== "x-amz-checksum-algorithm",
  );
  if (names.length > 1)
    throw new S3Error(
      400,
      "InvalidRequest",
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    );
  let checksum: Checksum | undefined;
  if (names[0]) {
    const algorithm = names[0].slice("x-amz-checksum-".length);
    const compute = checksummers[algorithm];
    if (!compute) {
      if (algorithm === "crc64nvme") throw notImplemented("CRC64NVME checksums");
      throw new S3Error(400, "InvalidRequest", `Value for x-amz-checksum-${algorithm} header is invalid.`);
    }
    const claimed = source[names[0]]!;
    if (compute(body) !== claimed)
      throw new S3Error(
        400,
        "BadDigest",
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
      );
    checksum = { algorithm, value: claimed };
  }
  const sdkAlgorithm = one(headers["x-amz-sdk-checksum-algorithm"])?.toLowerCase();
  if (sdkAlgorithm && checksum && sdkAlgorithm !== checksum.algorithm)
    throw new S3Error(400, "InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.");

  // S3 strips the aws-chunked framing marker; any other encoding is stored as metadata.
  const rest = encodings.filter((e) => e !== "aws-chunked");
  return { body, checksum, contentEncoding: rest.length ? rest.join(", ") : undefined };
}
