// The one way the app talks to the API: same-origin fetch, JSON in/out, the CSRF header on
// state changes, and every failure as an ApiError carrying the API's own message.
export const NETWORK_MESSAGE = "We couldn't reach Tatu. Check your connection and try again.";
const GENERIC_MESSAGE = "Something went wrong. Please try again.";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken = "";
/** Set from the login answer and GET /api/auth/me (the session's double-submit token). */
export function setCsrfToken(token: string | undefined | null): void {
  csrfToken = token ?? "";
}

function csrfFromCookie(): string {
  const hit = document.cookie
    .split(";")
    .map((c) => c.trim())
    .find((c) => c.startsWith("tatu_csrf=") || c.startsWith("__Host-tatu_csrf="));
  return hit ? decodeURIComponent(hit.slice(hit.indexOf("=") + 1)) : "";
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = opts.method ?? (opts.body !== undefined || opts.form ? "POST" : "GET");
  const headers: Record<string, string> = { accept: "application/json" };
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (method !== "GET") {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body ?? {});
  }
  if (method !== "GET") headers["x-csrf-token"] = csrfToken || csrfFromCookie();
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: "same-origin", signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "NETWORK", NETWORK_MESSAGE);
  }
  let data: unknown = null;
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      /* empty or non-JSON body */
    }
  }
  if (!res.ok) {
    const e = ((data as { error?: Record<string, unknown> } | null)?.error ?? {}) as Record<string, unknown>;
    throw new ApiError(
      res.status,
      String(e.code ?? `HTTP_${res.status}`),
      String(e.message ?? GENERIC_MESSAGE),
      (e.fields as Record<string, string>) ?? {},
      e,
    );
  }
  return data as T;
}

export const messageOf = (err: unknown): string =>
  err instanceof ApiError ? err.message : err instanceof Error ? err.message : GENERIC_MESSAGE;
