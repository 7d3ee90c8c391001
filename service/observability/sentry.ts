// Error reporting to Sentry when SENTRY_DSN is set; a no-op otherwise. The SDK (with its
// OpenTelemetry layer, ~20 MB of heap) is loaded only when a DSN is configured.
type SentrySdk = typeof import("@sentry/node");

let sentry: SentrySdk | undefined;

export async function initSentry(dsn: string | undefined, environment: string): Promise<void> {
  if (!dsn || sentry) return;
  const sdk = await import("@sentry/node");
  if (sentry) return; // two boots raced: the first one initialised it
  sdk.init({ dsn, environment, tracesSampleRate: 0 });
  sentry = sdk;
}

export function reportError(err: unknown, context: { errorId: string; path?: string; userId?: string }): void {
  if (!sentry) return;
  sentry.withScope((scope) => {
    scope.setTag("error_id", context.errorId);
    if (context.path) scope.setTag("path", context.path);
    if (context.userId) scope.setUser({ id: context.userId });
    sentry!.captureException(err);
  });
}

export async function flushSentry(timeoutMs = 2000): Promise<void> {
  if (sentry) await sentry.flush(timeoutMs);
}
