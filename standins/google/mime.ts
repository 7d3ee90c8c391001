// RFC 822/2045 parsing into the part tree Gmail returns for format=full: each part has a
// partId ("" for the top, then "0", "0.1"…), its own headers, and for leaves the
// transfer-decoded bytes. Parsed from the stored raw message so what the stand-in serves
// always matches what was delivered or sent.
import { randomBytes } from "node:crypto";

export interface Header {
  name: string;
  value: string;
}

export interface MimePart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: Header[];
  /** Transfer-decoded bytes of a leaf; empty for multipart containers. */
  body: Buffer;
  parts?: MimePart[];
  /** Set for parts with a filename: Gmail serves those through attachments.get. */
  attachmentId?: string;
}

export function parseMime(raw: Buffer, partId = ""): MimePart {
  const text = raw.toString("latin1"); // byte-preserving
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const bodyText = m ? text.slice(m.index + m[0].length) : "";
  const headers = parseHeaders(Buffer.from(head, "latin1").toString("utf8"));
  const get = (n: string) => headers.find((h) => h.name.toLowerCase() === n)?.value;
  const ct = parseParams(get("content-type") ?? "text/plain; charset=us-ascii");
  const disposition = parseParams(get("content-disposition") ?? "");
  const mimeType = ct.value.toLowerCase() || "text/plain";
  const filename = disposition.params.filename ?? ct.params.name ?? "";
  const part: MimePart = { partId, mimeType, filename, headers, body: Buffer.alloc(0) };

  if (mimeType.startsWith("multipart/") && ct.params.boundary) {
    part.parts = splitMultipart(bodyText, ct.params.boundary).map((chunk, i) =>
      parseMime(Buffer.from(chunk, "latin1"), partId === "" ? String(i) : `${partId}.${i}`),
    );
    return part;
  }
  const cte = (get("content-transfer-encoding") ?? "7bit").trim().toLowerCase();
  part.body =
    cte === "base64"
      ? Buffer.from(bodyText.replace(/[^A-Za-z0-9+/=]/g, ""), "base64")
      : cte === "quoted-printable"
        ? qpDecode(bodyText)
        : Buffer.from(bodyText, "latin1");
  return part;
}

/** Byte-exact split on delimiter lines (the CRLF before a delimiter belongs to it). */
function splitMultipart(body: string, boundary: string): string[] {
  const esc = boundary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`(?:^|\\r?\\n)--${esc}(--)?[ \\t]*(?:\\r?\\n|$)`, "g");
  const out: string[] = [];
  let last = -1;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (last >= 0) out.push(body.slice(last, m.index));
    if (m[1]) return out;
    last = m.index + m[0].length;
  }
  if (last >= 0) out.push(body.slice(last));
  return out;
}

function qpDecode(s: string): Buffer {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, "");
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/** Unfolds and splits a header block; encoded-words are decoded as Gmail does. */
export function parseHeaders(block: string): Header[] {
  const out: Header[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length) out[out.length - 1]!.value += ` ${line.trim()}`;
    else {
      const i = line.indexOf(":");
      if (i > 0) out.push({ name: line.slice(0, i).trim(), value: line.slice(i + 1).trim() });
    }
  }
  for (const h of out) h.value = decodeWords(h.value);
  return out;
}

/** RFC 2047 encoded-words (=?charset?B|Q?…?=). */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, "$1")
    .replace(/=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g, (_all, charset: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === "B" ? Buffer.from(data, "base64") : qpDecode(data.replace(/_/g, " "));
      try {
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return bytes.toString("utf8");
      }
    });
}

/** `type/sub; a=1; b="x"; filename*0*=utf-8''%E2…` → value + params (RFC 2231 joined). */
export function parseParams(header: string): { value: string; params: Record<string, string> } {
  const pieces: string[] = [];
  let cur = "",
    quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    if (ch === ";" && !quoted) {
      pieces.push(cur);
      cur = "";
    } else cur += ch;
  }
  pieces.push(cur);
  const [value = "", ...rest] = pieces.map((p) => p.trim());
  const parts: Record<string, { n: number; v: string; enc: boolean }[]> = {};
  for (const p of rest) {
    const i = p.indexOf("=");
    if (i < 0) continue;
    const key = p.slice(0, i).trim().toLowerCase();
    let v = p.slice(i + 1).trim();
    if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    const km = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(key);
    if (!km) continue;
    (parts[km[1]!] ??= []).push({ n: Number(km[2] ?? 0), v, enc: Boolean(km[3]) });
  }
  const params: Record<string, string> = {};
  for (const [k, list] of Object.entries(parts)) {
    list.sort((a, b) => a.n - b.n);
    if (!list.some((x) => x.enc)) {
      params[k] = decodeWords(list.map((x) => x.v).join(""));
      continue;
    }
    let charset = "utf-8";
    const bytes: number[] = [];
    list.forEach((x, idx) => {
      let v = x.v;
      if (idx === 0 && x.enc) {
        const m = /^([^']*)'[^']*'(.*)$/.exec(v);
        if (m) {
          charset = m[1] || charset;
          v = m[2]!;
        }
      }
      if (x.enc)
        v.replace(/%([0-9A-Fa-f]{2})|./gs, (all, hex: string | undefined) => {
          if (hex) bytes.push(parseInt(hex, 16));
          else bytes.push(...Buffer.from(all));
          return "";
        });
      else bytes.push(...Buffer.from(v));
    });
    try {
      params[k] = new TextDecoder(charset).decode(Buffer.from(bytes));
    } catch {
      params[k] = Buffer.from(bytes).toString("utf8");
    }
  }
  return { value, params };
}

/** Gives every part with a filename an attachment id (long and opaque, like Gmail's). */
export function assignAttachmentIds(part: MimePart, out = new Map<string, MimePart>()): Map<string, MimePart> {
  if (part.parts) for (const p of part.parts) assignAttachmentIds(p, out);
  else if (part.filename) {
    part.attachmentId = `ANGjdJ${randomBytes(72).toString("base64url")}`;
    out.set(part.attachmentId, part);
  }
  return out;
}

/** The MessagePart JSON of format=full. */
export function toPayload(part: MimePart): Record<string, unknown> {
  const body = part.parts
    ? { size: 0 }
    : part.attachmentId
      ? { attachmentId: part.attachmentId, size: part.body.length }
      : { size: part.body.length, ...(part.body.length && { data: part.body.toString("base64url") }) };
  return {
    partId: part.partId,
    mimeType: part.mimeType,
    filename: part.filename,
    headers: part.headers,
    body,
    ...(part.parts && { parts: part.parts.map(toPayload) }),
  };
}

/** Plain text for the snippet: the first text/plain leaf, else tag-stripped text/html. */
export function snippetOf(part: MimePart): string {
  const leaves: MimePart[] = [];
  const walk = (p: MimePart) => (p.parts ? p.parts.forEach(walk) : leaves.push(p));
  walk(part);
  const plain = leaves.find((l) => l.mimeType === "text/plain" && !l.filename);
  const html = leaves.find((l) => l.mimeType === "text/html" && !l.filename);
  const text = plain ? plain.body.toString("utf8") : html ? html.body.toString("utf8").replace(/<[^>]*>/g, " ") : "";
  return text.replace(/\s+/g, " ").trim().slice(0, 200);
}

/** Replaces, adds or (value undefined) removes one top-level header; keeps the body bytes. */
export function setRawHeader(raw: Buffer, name: string, value: string | undefined): Buffer {
  const text = raw.toString("latin1");
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const rest = m ? text.slice(m.index) : "\r\n\r\n";
  const lines = head.split(/\r?\n/);
  const kept: string[] = [];
  let skipping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      if (!skipping) kept.push(line);
      continue;
    }
    skipping = line.toLowerCase().startsWith(`${name.toLowerCase()}:`);
    if (!skipping) kept.push(line);
  }
  if (value !== undefined) kept.push(`${name}: ${value}`);
  return Buffer.from(kept.join("\r\n") + rest, "latin1");
}

/** Splits a multipart/related upload (JSON metadata part + message/rfc822 media part). */
export function splitRelated(body: Buffer, contentType: string): { json: string; media: Buffer } | undefined {
  const boundary = parseParams(contentType).params.boundary;
  if (!boundary) return undefined;
  const chunks = splitMultipart(body.toString("latin1"), boundary);
  if (chunks.length < 2) return undefined;
  const sep = (c: string) => {
    const m = /\r?\n\r?\n/.exec(c);
    return m ? c.slice(m.index + m[0].length) : "";
  };
  return {
    json: Buffer.from(sep(chunks[0]!), "latin1").toString("utf8"),
    media: Buffer.from(sep(chunks[1]!), "latin1"),
  };
}
