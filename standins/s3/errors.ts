// S3's REST error shape: an XML <Error> document with Code/Message/RequestId plus
// code-specific fields (Key, BucketName, AWSAccessKeyId, …). The SDK maps Code to its
// typed exceptions (NoSuchKey, …), so codes and statuses must be the real ones.

export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function errorXml(err: S3Error, requestId: string): string {
  const extra = Object.entries(err.fields)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${escapeXml(err.message)}</Message>${extra}<RequestId>${requestId}</RequestId><HostId>${hostId(requestId)}</HostId></Error>`;
}

export const hostId = (requestId: string) => Buffer.from(`tatu-s3-standin/${requestId}`).toString("base64");

/** Messages S3 uses for the codes a test is likely to inject with failNext. */
export const defaultMessages: Record<string, string> = {
  InternalError: "We encountered an internal error. Please try again.",
  SlowDown: "Please reduce your request rate.",
  ServiceUnavailable: "Service is unable to handle request.",
  AccessDenied: "Access Denied",
};

export const notImplemented = (what: string) =>
  new S3Error(
    501,
    "NotImplemented",
    `A header you provided implies functionality that is not implemented (the Tatu S3 stand-in does not implement ${what}).`,
  );
