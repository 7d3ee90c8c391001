// Wire helpers for the Meta stand-in: Graph's JSON and error envelope, request parameters
// (query string, JSON, form-urlencoded or multipart bodies, as Graph accepts all of them), and
// the `fields` selector syntax (a,b{c,d},e.limit(3){f}).
import { readBody as readCapped, sendHtmlPage, sendJson as sendAnyJson, type Req, type Res } from "../shared/http.ts";
import { opaque } from "./state.ts";

export { escapeHtml, PayloadTooLarge, type Req, type Res } from "../shared/http.ts";

/** Bodies carry media uploads (filedata), hence the high cap. */
const readBody = (req: Req) => readCapped(req, 30 * 1024 * 1024);

function traceHeaders(): Record<string, string> {
  return { "x-fb-trace-id": opaque(8), "x-fb-request-id": opaque(16), "facebook-api-version": "v21.0" };
}

export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendAnyJson(res, status, body, { "Content-Type": "application/json; charset=UTF-8", ...traceHeaders(), ...headers });
}

export interface GraphErrorSpec {
  message: string;
  code: number;
  subcode?: number;
  type?: string;
  isTransient?: boolean;
  userTitle?: string;
  userMsg?: string;
}

/** {"error":{"message","type","code","error_subcode","fbtrace_id"}} — HTTP 400 for most codes. */
export function sendGraphError(
  res: Res,
  status: number,
  e: GraphErrorSpec,
  headers: Record<string, string> = {},
): void {
  const error: Record<string, unknown> = { message: e.message, type: e.type ?? "OAuthException", code: e.code };
  if (e.subcode !== undefined) error.error_subcode = e.subcode;
  if (e.isTransient !== undefined) error.is_transient = e.isTransient;
  if (e.userTitle) error.error_user_title = e.userTitle;
  if (e.userMsg) error.error_user_msg = e.userMsg;
  error.fbtrace_id = `A${opaque(16)}`;
  const extra: Record<string, string> =
    e.code === 190
      ? { "WWW-Authenticate": `OAuth "Facebook Platform" "invalid_token" "${e.message.replace(/"/g, "'")}"` }
      : {};
  sendJson(res, status, { error }, { ...extra, ...headers });
}

export function sendHtml(res: Res, status: number, title: string, text: string): void {
  sendHtmlPage(res, status, title, title, text);
}

export interface Params {
  values: Map<string, string>;
  files: Map<string, { content: Buffer; contentType: string; filename: string }>;
  /** The parsed JSON body, when the body was JSON (values then hold its top-level strings). */
  json?: Record<string, unknown>;
}

export class BadRequest extends Error {}

/** Query string + body, merged (Graph reads parameters from either). */
export async function readParams(req: Req, url: URL): Promise<Params> {
  const params: Params = { values: new Map(url.searchParams), files: new Map() };
  if (req.method === "GET" || req.method === "HEAD") return params;
  const body = await readBody(req);
  if (!body.length) return params;
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  if (type.startsWith("application/json")) {
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      throw new BadRequest("Invalid JSON for postback body");
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new BadRequest("Invalid JSON body");
    params.json = json as Record<string, unknown>;
    for (const [k, v] of Object.entries(json)) params.values.set(k, typeof v === "string" ? v : JSON.stringify(v));
  } else if (type.startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(body), {
      headers: { "content-type": String(req.headers["content-type"]) },
    }).formData();
    const entries: [string, FormDataEntryValue][] = [];
    form.forEach((v, k) => entries.push([k, v]));
    for (const [k, v] of entries) {
      if (typeof v === "string") params.values.set(k, v);
      else
        params.files.set(k, {
          content: Buffer.from(await v.arrayBuffer()),
          contentType: v.type || "application/octet-stream",
          filename: v.name || "file",
        });
    }
  } else {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params.values.set(k, v);
  }
  return params;
}

/** A parameter that is JSON (recipient={"id":…} in a form) or already an object (JSON body). */
export function jsonParam(p: Params, name: string): Record<string, unknown> | undefined {
  const direct = p.json?.[name];
  if (typeof direct === "object" && direct !== null) return direct as Record<string, unknown>;
  const raw = p.values.get(name);
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface FieldSpec {
  name: string;
  limit?: number;
  sub?: FieldSpec[];
}

/** Parses Graph's field selector: "id,name,messages.limit(5){id,from},instagram_business_account{id}". */
export function parseFields(s: string | undefined): FieldSpec[] | undefined {
  if (!s) return undefined;
  let i = 0;
  const list = (): FieldSpec[] => {
    const out: FieldSpec[] = [];
    while (i < s.length && s[i] !== "}") {
      let name = "";
      while (i < s.length && !",{}.".includes(s[i]!)) name += s[i++];
      const spec: FieldSpec = { name: name.trim() };
      while (s[i] === ".") {
        const m = /^\.(\w+)\(([^)]*)\)/.exec(s.slice(i));
        if (!m) break;
        if (m[1] === "limit") spec.limit = Number(m[2]);
        i += m[0].length;
      }
      if (s[i] === "{") {
        i++;
        spec.sub = list();
        i++;
      }
      if (spec.name) out.push(spec);
      if (s[i] === ",") i++;
    }
    return out;
  };
  return list();
}

/** Keeps the requested fields of a node (id always), the way Graph only returns what is asked. */
export function select(
  node: Record<string, unknown>,
  fields: FieldSpec[] | undefined,
  defaults: string[],
): Record<string, unknown> {
  const wanted = fields?.map((f) => f.name) ?? defaults;
  const out: Record<string, unknown> = {};
  for (const name of ["id", ...wanted]) if (node[name] !== undefined) out[name] = node[name];
  return out;
}

export function encodeCursor(offset: number): string {
  return Buffer.from(`stand-in-offset:${offset}`).toString("base64url");
}

export function decodeCursor(s: string | undefined | null): number | undefined {
  if (!s) return 0;
  const m = /^stand-in-offset:(\d+)$/.exec(Buffer.from(s, "base64url").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}
