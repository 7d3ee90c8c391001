// Fetches a Meta CDN attachment (fbcdn / lookaside URLs are pre-signed: a plain GET, no token),
// refusing anything over ATTACHMENT_MAX_MB without reading it all into memory. The link comes
// from a payload, so it goes through the outbound guard: public addresses only (checked when
// connecting, every redirect hop too), or the configured Graph origin (the stand-in's CDN).
import path from "node:path";
import { refusalOf } from "../../security/outbound/guard.ts";
import { outboundGuardFor } from "../../security/outbound/policy.ts";
import { ProviderError } from "../kit/errors.ts";
import type { ProviderEnv } from "../kit/channel.ts";

export interface Downloaded {
  content: Buffer;
  contentType: string;
  filename: string;
}

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "video/mp4": "mp4",
  "audio/mpeg": "mp3",
  "audio/mp4": "m4a",
  "audio/aac": "aac",
  "application/pdf": "pdf",
};

function filenameOf(res: Response, url: URL, contentType: string, hint?: string): string {
  if (hint) return hint;
  const disposition = res.headers.get("content-disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  const fromHeader = star ? decodeURIComponent(star[1]!) : plain?.[1];
  if (fromHeader) return path.basename(fromHeader);
  const last = path.basename(decodeURIComponent(url.pathname));
  if (last && last.includes(".")) return last;
  const ext = EXTENSIONS[contentType];
  return ext ? `attachment.${ext}` : "attachment";
}

export async function downloadAttachment(
  env: ProviderEnv,
  rawUrl: string,
  maxBytes: number,
  hint: { filename?: string; contentType?: string } = {},
): Promise<Downloaded> {
  const url = new URL(rawUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ProviderError("permanent", "The attachment link is not a web address.", { code: "META_ATTACHMENT_URL" });
  let res: Response;
  try {
    res = await outboundGuardFor(env, "media").fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (err) {
    if (refusalOf(err))
      throw new ProviderError("permanent", "The attachment link points at an address Tatu does not fetch from.", {
        code: "META_ATTACHMENT_REFUSED",
        cause: err,
      });
    throw new ProviderError("transient", "Meta's attachment server could not be reached.", {
      code: "META_UNREACHABLE",
      cause: err,
    });
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    // Signed CDN links expire (403/404/410): retrying will not bring them back.
    const errorClass = res.status >= 500 || res.status === 429 ? "transient" : "permanent";
    throw new ProviderError(errorClass, `Meta's attachment server answered HTTP ${res.status}.`, {
      code: "META_ATTACHMENT_UNAVAILABLE",
      status: res.status,
    });
  }
  const declared = Number(res.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new ProviderError("permanent", "The attachment is larger than ATTACHMENT_MAX_MB.", {
      code: "ATTACHMENT_TOO_LARGE",
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new ProviderError("permanent", "The attachment is larger than ATTACHMENT_MAX_MB.", {
          code: "ATTACHMENT_TOO_LARGE",
        });
      }
      chunks.push(Buffer.from(value));
    }
  }
  const contentType = (res.headers.get("content-type") ?? hint.contentType ?? "application/octet-stream")
    .split(";")[0]!
    .trim();
  return { content: Buffer.concat(chunks), contentType, filename: filenameOf(res, url, contentType, hint.filename) };
}
