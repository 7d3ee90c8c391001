// Error reporting to Sentry when SENTRY_DSN is set; a no-op otherwise.
import * as Sentry from "@sentry/node";

let enabled = false;

export function initSentry(dsn: string | undefined, environment: string): void {
  if (!dsn || enabled) return;
  Sentry.init({ dsn, environment, tracesSampleRate: 0 });
  enabled = true;
}

export function reportError(err: unknown, context: { errorId: string; path?: string; userId?: string }): void {
  if (!enabled) return;
  Sentry.withScope((scope) => {
    scope.setTag("error_id", context.errorId);
    if (context.path) scope.setTag("path", context.path);
    if (context.userId) scope.setUser({ id: context.userId });
    Sentry.captureException(err);
  });
}

export async function flushSentry(timeoutMs = 2000): Promise<void> {
  if (enabled) await Sentry.flush(timeoutMs);
}
