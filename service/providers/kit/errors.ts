// Every provider failure ends up in one of four classes; the sync orchestrator acts on the
// class, never on provider-specific details:
//   auth       → account becomes reauth_required, no retry until the user reconnects
//   rate_limit → retry after the provider's Retry-After
//   transient  → retry with exponential backoff
//   permanent  → recorded, not retried
export type ErrorClass = "auth" | "rate_limit" | "transient" | "permanent";

export class ProviderError extends Error {
  readonly errorClass: ErrorClass;
  /** Stable code for API answers, e.g. IMAP_AUTH_FAILED, HISTORY_EXPIRED. */
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    errorClass: ErrorClass,
    message: string,
    opts: { code?: string; retryAfterMs?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = "ProviderError";
    this.errorClass = errorClass;
    this.code = opts.code ?? errorClass.toUpperCase();
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
  }
}

/** The ProviderErrors of one classification, with the failure (`cause`) and its HTTP status bound
 *  once, so each rule of a provider's classifier states only its class, words and code. */
export function failureOf(cause: unknown, status?: number) {
  return (errorClass: ErrorClass, message: string, code: string, retryAfterMs?: number): ProviderError =>
    new ProviderError(errorClass, message, { code, status, retryAfterMs, cause });
}

/** `op`'s result, or its failure rethrown through the provider's classifier. */
export async function classified<T>(classify: (err: unknown) => ProviderError, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw classify(err);
  }
}

/** `pages()`, with a failure at any page rethrown through the provider's classifier. */
export async function* classifiedPages<T>(
  classify: (err: unknown) => ProviderError,
  pages: () => AsyncIterable<T>,
): AsyncGenerator<T> {
  try {
    yield* pages();
  } catch (err) {
    throw classify(err);
  }
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A default classification for HTTP status codes, used by the HTTP-API providers. */
export function classifyHttpStatus(status: number | undefined): ErrorClass {
  if (status === 401) return "auth";
  if (status === 429) return "rate_limit";
  if (status === undefined || status >= 500 || status === 408) return "transient";
  return "permanent";
}

/** Plain words for the connection-health banner (never provider internals or secrets). */
export function plainWords(errorClass: ErrorClass, provider: string): string {
  switch (errorClass) {
    case "auth":
      return `${provider} no longer accepts Tatu's access. Reconnect the account to resume syncing.`;
    case "rate_limit":
      return `${provider} asked Tatu to slow down. Syncing resumes automatically.`;
    case "transient":
      return `${provider} could not be reached. Tatu will retry automatically.`;
    case "permanent":
      return `${provider} rejected the request. If this keeps happening, reconnect the account.`;
  }
}
