// Every provider's implementation by id, route and webhook source, built from the generated
// list of provider folders. Errors are classified here, once: whatever a provider's SDK throws
// leaves the registry as a ProviderError (auth / rate_limit / transient / permanent), so callers
// never classify again.
import { providerModules } from "./registry.generated.ts";
import type { CalendarProvider } from "./kit/calendar.ts";
import type { ChannelProvider } from "./kit/channel.ts";
import { ProviderError } from "./kit/errors.ts";
import type { ProviderDefinition } from "./kit/provider.ts";
import type { WebhookSourceHandler } from "./kit/webhook.ts";

type Classify = (err: unknown) => ProviderError;

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof v === "object" && v !== null && Symbol.asyncIterator in v;
const isPromise = (v: unknown): v is Promise<unknown> => typeof (v as Promise<unknown> | null)?.then === "function";

async function* classifiedIterable<T>(it: AsyncIterable<T>, classify: Classify): AsyncGenerator<T> {
  try {
    yield* it;
  } catch (err) {
    throw err instanceof ProviderError ? err : classify(err);
  }
}

/** Each function of `target` rethrows what it throws (synchronously, as a rejection or from
 *  an async iteration) as a ProviderError. */
function classifiedFunctions<T extends object>(target: T, classify: Classify, skip: string[] = []): T {
  const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const [key, value] of Object.entries(target as Record<string, unknown>)) {
    if (typeof value !== "function" || skip.includes(key)) continue;
    out[key] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = (value as (...a: unknown[]) => unknown).apply(target, args);
      } catch (err) {
        throw err instanceof ProviderError ? err : classify(err);
      }
      if (isPromise(result))
        return result.catch((err: unknown) => {
          throw err instanceof ProviderError ? err : classify(err);
        });
      if (isAsyncIterable(result)) return classifiedIterable(result, classify);
      return result;
    };
  }
  return out as T;
}

function classified<P extends ChannelProvider | CalendarProvider>(p: P): P {
  const classify: Classify = (err) => p.classifyError(err);
  const wrapped = classifiedFunctions(p, classify, ["classifyError"]);
  return { ...wrapped, connect: classifiedFunctions(p.connect, classify) };
}

export const channelProviders: Record<string, ChannelProvider> = {};
export const calendarProviders: Record<string, CalendarProvider> = {};
const webhookHandlers: Record<string, WebhookSourceHandler> = {};

/** Adds (or replaces) a provider; the generated registry calls it for every folder. */
export function registerProvider(def: ProviderDefinition): void {
  if (def.kind === "channel") channelProviders[def.id] = classified(def);
  if (def.kind === "calendar") calendarProviders[def.id] = classified(def);
  for (const h of def.webhooks ?? []) webhookHandlers[h.source] = h;
}

for (const def of [...(providerModules as readonly ProviderDefinition[])].sort((a, b) => a.order - b.order))
  registerProvider(def);

const own = <T>(map: Record<string, T>, key: string): T | undefined => (Object.hasOwn(map, key) ? map[key] : undefined);

export const channelProvider = (id: string): ChannelProvider | undefined => own(channelProviders, id);
export const calendarProvider = (id: string): CalendarProvider | undefined => own(calendarProviders, id);
export const webhookHandler = (source: string): WebhookSourceHandler | undefined => own(webhookHandlers, source);

export function allWebhookHandlers(): WebhookSourceHandler[] {
  return Object.values(webhookHandlers);
}

export function allChannelProviders(): ChannelProvider[] {
  return Object.values(channelProviders);
}

export function allCalendarProviders(): CalendarProvider[] {
  return Object.values(calendarProviders);
}

/** By the URL segment of /api/integrations/<route>/… ("google" → gmail). */
export function channelByRoute(route: string): ChannelProvider | undefined {
  return allChannelProviders().find((p) => p.connect.route === route);
}

/** By the URL segment of POST /api/calendars/<route>/connect (credentials calendars). */
export function calendarByRoute(route: string): CalendarProvider | undefined {
  return allCalendarProviders().find((p) => p.connect.kind === "credentials" && p.connect.route === route);
}

/** Any error from provider code, as a ProviderError (the registry already classified it). */
export function asProviderError(err: unknown): ProviderError {
  return err instanceof ProviderError
    ? err
    : new ProviderError("transient", err instanceof Error ? err.message : String(err), { cause: err });
}
