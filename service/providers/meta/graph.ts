// A small Graph API client over fetch. Meta publishes no official Node SDK for the Messenger
// platform (facebook-nodejs-business-sdk covers the Marketing API only), so this speaks the
// documented wire format directly: versioned paths, Bearer page/user tokens, appsecret_proof,
// and Graph's error envelope {"error":{message,type,code,error_subcode,fbtrace_id}}.
import { createHmac } from "node:crypto";
import { appCredentials, graphBase, GRAPH_VERSION } from "./config.ts";
import type { ProviderEnv } from "../kit/channel.ts";

/** A Graph error answer, with everything classification needs (never the token). */
export class MetaApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number | undefined,
    readonly subcode: number | undefined,
    readonly headers: Headers,
    readonly extra: { type?: string; fbtraceId?: string; isTransient?: boolean } = {},
  ) {
    super(message);
    this.name = "MetaApiError";
  }
}

type Query = Record<string, string | number | undefined>;

export interface GraphRequest {
  method?: "GET" | "POST" | "DELETE";
  query?: Query;
  /** JSON body, or a multipart form (attachment uploads). */
  json?: unknown;
  form?: FormData;
  token?: string;
}

export class GraphClient {
  constructor(private readonly env: ProviderEnv) {}

  url(path: string, query: Query = {}): URL {
    const url = new URL(`${graphBase(this.env)}/${GRAPH_VERSION}/${path.replace(/^\/+/, "")}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async call<T = unknown>(path: string, req: GraphRequest = {}): Promise<T> {
    const { appSecret } = appCredentials(this.env);
    const query: Query = { ...req.query };
    const headers: Record<string, string> = { Accept: "application/json" };
    if (req.token) {
      headers.Authorization = `Bearer ${req.token}`;
      // Proves the call comes from the app's server ("Require App Secret" apps refuse calls without it).
      query.appsecret_proof = createHmac("sha256", appSecret).update(req.token).digest("hex");
    }
    let body: string | FormData | undefined;
    if (req.form) body = req.form;
    else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers["Content-Type"] = "application/json";
    }
    const res = await fetch(this.url(path, query), {
      method: req.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    const error = errorOf(parsed);
    if (!res.ok || error) {
      throw new MetaApiError(
        error?.message ?? `Graph answered HTTP ${res.status}`,
        res.status,
        typeof error?.code === "number" ? error.code : undefined,
        typeof error?.error_subcode === "number" ? error.error_subcode : undefined,
        res.headers,
        { type: error?.type, fbtraceId: error?.fbtrace_id, isTransient: error?.is_transient },
      );
    }
    if (parsed === undefined)
      throw new MetaApiError(
        "Graph answered with a body that is not JSON",
        res.status,
        undefined,
        undefined,
        res.headers,
      );
    return parsed as T;
  }
}

interface GraphErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  fbtrace_id?: string;
  is_transient?: boolean;
}

function errorOf(body: unknown): GraphErrorBody | undefined {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const e = (body as { error: unknown }).error;
  return typeof e === "object" && e !== null ? (e as GraphErrorBody) : undefined;
}

/** The `after` cursor of a Graph page, if there is a next page. Only the cursor is kept, never
 *  `paging.next` itself: Graph puts the access token into that URL. */
export function nextCursor(paging: { cursors?: { after?: string }; next?: string } | undefined): string | undefined {
  if (!paging?.next) return undefined;
  return paging.cursors?.after ?? new URL(paging.next).searchParams.get("after") ?? undefined;
}
