// AWS Signature V4 verification (Authorization-header form) for the S3 stand-in. The
// expected signature is recomputed with @smithy/signature-v4 — the signer the AWS SDK
// itself uses — from the request exactly as it arrived, so a wrong secret, a tampered
// header or a different path all surface as the real 403s.
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, SourceData } from "@smithy/types";
import { S3Error } from "./errors.ts";

const toBuffer = (d: SourceData): Buffer =>
  typeof d === "string"
    ? Buffer.from(d, "utf8")
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(d);

/** SHA-256 / HMAC-SHA-256 in the shape the smithy signer expects (what @smithy/hash-node does). */
class NodeSha256 implements Checksum {
  private h!: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.reset();
  }
  update(chunk: Uint8Array) {
    this.h.update(chunk);
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
  reset() {
    this.h = this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBuffer(this.secret));
  }
}

/** RFC 3986 escaping as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const escapeUri = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3Error(400, "InvalidURI", "Couldn't parse the specified URI.");
  }
}

/** S3 does not double-encode: the canonical URI is each segment decoded, then escaped once. */
export const canonicalPath = (rawPath: string) =>
  rawPath
    .split("/")
    .map((seg) => escapeUri(safeDecode(seg)))
    .join("/");

export function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const part of rawQuery.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? "" : safeDecode(part.slice(eq + 1));
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export interface VerifyInput {
  method: string;
  rawPath: string;
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  credentials: ReadonlyMap<string, string>;
  region: string;
  now: Date;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60_000;

function parseAmzDate(v: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(",") : v);

/** Throws the S3Error S3 would answer with; returns the caller's access key id on success. */
export async function verifySigV4(input: VerifyInput): Promise<string> {
  const { headers } = input;
  const auth = headers.authorization;
  if (!auth) {
    if ("X-Amz-Signature" in input.query)
      throw new S3Error(
        403,
        "AccessDenied",
        "Query-string (presigned) authentication is not implemented by the Tatu S3 stand-in.",
      );
    throw new S3Error(403, "AccessDenied", "Access Denied");
  }
  const m = AUTH_RE.exec(auth);
  if (!m)
    throw new S3Error(
      400,
      "AuthorizationHeaderMalformed",
      "The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.",
    );
  const [, credential, signedList, provided] = m as unknown as [string, string, string, string];
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request")
    throw new S3Error(
      400,
      "AuthorizationHeaderMalformed",
      'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    );
  const [accessKeyId, scopeDate, scopeRegion, scopeService] = parts as [string, string, string, string];

  const secret = input.credentials.get(accessKeyId);
  if (secret === undefined)
    throw new S3Error(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.", {
      AWSAccessKeyId: accessKeyId,
    });
  if (scopeRegion !== input.region)
    throw new S3Error(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; the region '${scopeRegion}' is wrong; expecting '${input.region}'`,
      { Region: input.region },
    );
  if (scopeService !== "s3")
    throw new S3Error(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; incorrect service "${scopeService}". This endpoint belongs to "s3".`,
    );

  const amzDate = headerValue(headers["x-amz-date"]);
  const signingDate = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !signingDate)
    throw new S3Error(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  if (!amzDate.startsWith(scopeDate))
    throw new S3Error(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date: ${scopeDate}.`,
    );
  if (Math.abs(input.now.getTime() - signingDate.getTime()) > MAX_SKEW_MS)
    throw new S3Error(
      403,
      "RequestTimeTooSkewed",
      "The difference between the request time and the current time is too large.",
      { RequestTime: amzDate, ServerTime: input.now.toISOString(), MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS) },
    );
  if (headers["x-amz-content-sha256"] === undefined)
    throw new S3Error(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");

  const signed = signedList.split(";");
  if (!signed.includes("host"))
    throw new S3Error(403, "AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: "host",
    });
  const unsigned = Object.keys(headers).filter((h) => h.startsWith("x-amz-") && !signed.includes(h));
  if (unsigned.length)
    throw new S3Error(403, "AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: unsigned.join(", "),
    });

  const signedHeaders: Record<string, string> = {};
  for (const name of signed) {
    const v = headerValue(headers[name]);
    if (v !== undefined) signedHeaders[name] = v;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: secret },
    region: scopeRegion,
    service: scopeService,
    sha256: NodeSha256,
    uriEscapePath: false, // we hand it the already-canonical path (S3 rule: no double encoding)
    applyChecksum: false, // x-amz-content-sha256 is taken from the request as signed
  });
  const expected = await signer.sign(
    {
      method: input.method,
      protocol: "http:",
      hostname: "",
      path: canonicalPath(input.rawPath),
      query: input.query,
      headers: signedHeaders,
    },
    { signingDate, signableHeaders: new Set(signed), signingRegion: scopeRegion, signingService: scopeService },
  );
  const expectedSig = /Signature=([0-9a-f]{64})/.exec(expected.headers.authorization ?? "")?.[1] ?? "";
  if (expectedSig.length !== provided.length || !timingSafeEqual(Buffer.from(expectedSig), Buffer.from(provided)))
    throw new S3Error(
      403,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      { AWSAccessKeyId: accessKeyId, SignatureProvided: provided },
    );
  return accessKeyId;
}
