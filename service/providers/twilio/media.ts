// MMS media: Twilio serves it at …/Messages/{MM}/Media/{ME} behind the account's basic auth,
// redirecting to a short-lived CDN URL. Credentials only ever go to the Twilio API origin.
import { refusalOf } from "../../security/outbound/guard.ts";
import { outboundGuardFor } from "../../security/outbound/policy.ts";
import { ProviderError, classifyHttpStatus, parseRetryAfter } from "../kit/errors.ts";
import type { ProviderEnv } from "../kit/channel.ts";
import { rebase } from "../kit/twilio/session.ts";
import { apiBase, DEFAULT_API_BASE, serverCredentials, type ServerCredentials } from "../kit/twilio/config.ts";

const EXT: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/jpg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/heic": "heic",
  "image/heif": "heif",
  "image/bmp": "bmp",
  "image/tiff": "tiff",
  "video/mp4": "mp4",
  "video/3gpp": "3gp",
  "video/quicktime": "mov",
  "video/mpeg": "mpeg",
  "audio/mpeg": "mp3",
  "audio/mp4": "m4a",
  "audio/amr": "amr",
  "audio/ogg": "ogg",
  "audio/wav": "wav",
  "text/vcard": "vcf",
  "text/x-vcard": "vcf",
  "text/calendar": "ics",
  "text/plain": "txt",
  "application/pdf": "pdf",
};

/** Twilio media have no names: the media SID plus an extension from the type. */
export function mediaFilename(mediaSid: string, contentType: string | undefined): string {
  const ext = EXT[(contentType ?? "").split(";")[0]!.trim().toLowerCase()];
  return ext ? `${mediaSid}.${ext}` : mediaSid;
}

/** The ME… sid at the end of a media URL (with or without ".json"). */
export function mediaSidOf(url: string): string {
  const last = new URL(url).pathname.split("/").filter(Boolean).pop() ?? "media";
  return last.replace(/\.json$/i, "");
}

export const maxAttachmentBytes = (env: ProviderEnv) => (env.config.env.ATTACHMENT_MAX_MB ?? 25) * 1024 * 1024;

/** Resolves a media URL to the configured API origin; refuses any other host (it would get our credentials). */
function mediaContentUrl(env: ProviderEnv, raw: string): URL {
  let url: URL;
  try {
    // Media resources give their uri relative to the API host.
    url = new URL(rebase(new URL(raw, DEFAULT_API_BASE).toString(), apiBase(env)));
  } catch {
    throw new ProviderError("permanent", "The picture link from Twilio is not a valid URL.", {
      code: "TWILIO_MEDIA_BAD_URL",
    });
  }
  if (url.origin !== new URL(apiBase(env)).origin && url.origin !== DEFAULT_API_BASE)
    throw new ProviderError("permanent", "The picture link does not point at Twilio.", {
      code: "TWILIO_MEDIA_FOREIGN_URL",
    });
  // The metadata URI ends in .json; the bytes live at the same path without it.
  url.pathname = url.pathname.replace(/\.json$/i, "");
  return url;
}

/** `creds`: the Twilio account the message belongs to (a studio's own, else the server's). */
export async function downloadMedia(
  env: ProviderEnv,
  rawUrl: string,
  creds?: ServerCredentials,
): Promise<{ content: Buffer; contentType: string }> {
  const { accountSid, authToken } = creds ?? serverCredentials(env);
  const url = mediaContentUrl(env, rawUrl);
  const max = maxAttachmentBytes(env);
  let res: Response;
  try {
    // The outbound guard follows the redirect to the CDN (a public address, checked when
    // connecting) and drops Authorization when it leaves the origin.
    res = await outboundGuardFor(env, "media").fetch(url, {
      headers: { Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}` },
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    if (refusalOf(err))
      throw new ProviderError("permanent", "The picture link leads to an address Tatu does not fetch from.", {
        code: "TWILIO_MEDIA_REFUSED",
        cause: err,
      });
    throw new ProviderError(
      "transient",
      "Twilio could not be reached to fetch a picture. Tatu will retry automatically.",
      { code: "TWILIO_UNREACHABLE", cause: err },
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    const status = res.status;
    if (status === 401)
      throw new ProviderError(
        "auth",
        "The server's Twilio setup is wrong: Twilio rejected its account credentials when fetching a picture.",
        { code: "TWILIO_AUTH_FAILED", status },
      );
    if (status === 404)
      throw new ProviderError("permanent", "The picture is no longer on Twilio (it may have been deleted).", {
        code: "TWILIO_MEDIA_GONE",
        status,
      });
    const cls = classifyHttpStatus(status);
    throw new ProviderError(cls, `Twilio answered ${status} when fetching a picture.`, {
      code: `TWILIO_MEDIA_HTTP_${status}`,
      status,
      retryAfterMs: cls === "rate_limit" ? (parseRetryAfter(res.headers.get("retry-after")) ?? 1000) : undefined,
    });
  }
  const tooLarge = () =>
    new ProviderError("permanent", `A picture is larger than the ${max / 1024 / 1024} MB limit and was not saved.`, {
      code: "TWILIO_MEDIA_TOO_LARGE",
    });
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const { done, value } = reader ? await reader.read() : { done: true, value: undefined };
    if (done || !value) break;
    size += value.length;
    if (size > max) {
      await reader!.cancel();
      throw tooLarge();
    }
    chunks.push(Buffer.from(value));
  }
  return {
    content: Buffer.concat(chunks),
    contentType: (res.headers.get("content-type") ?? "application/octet-stream").split(";")[0]!.trim(),
  };
}
