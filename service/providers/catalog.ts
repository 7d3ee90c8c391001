// Every provider's facts, derived from the generated catalog of meta.ts files: the id unions,
// the kill-switch list, webhook sources and `tatu smoke` names. SDK-free: the CLI imports it.
import { providerMetas } from "./catalog.generated.ts";
import type { ProviderMeta, SmokeName } from "./kit/meta.ts";

type Meta = (typeof providerMetas)[number];
export type ProviderId = Meta["id"];
export type ChannelId = Extract<Meta, { kind: "channel" }>["id"];
export type CalendarProviderId = Extract<Meta, { kind: "calendar" }>["id"];
export type WebhookSource = Extract<Meta, { webhookSources: readonly string[] }>["webhookSources"][number];

/** In listing order (meta.ts `order`), not the generated file's folder order. */
const metas: readonly ProviderMeta[] = [...providerMetas].sort((a, b) => a.order - b.order);

/** Every provider with a kill switch (`provider.<id>`). */
export const providerIds = metas.map((m) => m.id) as ProviderId[];
export const webhookSources = metas.flatMap((m) => m.webhookSources ?? []) as WebhookSource[];

/** Providers that receive webhooks, in listing order. */
export function providersWithWebhooks(): string[] {
  return metas.filter((m) => m.webhookSources?.length).map((m) => m.id);
}

/** The provider a webhook source's events count under ("twilio-status" → twilio). */
export function providerOfSource(source: string): string {
  return metas.find((m) => m.webhookSources?.includes(source))?.id ?? source;
}

/** `tatu smoke <name>` for channels: each name with the provider whose account it picks. */
export const channelSmokes: (SmokeName & { provider: string })[] = metas.flatMap((m) =>
  (m.smokeNames ?? []).map((s) => ({ ...s, provider: m.id })),
);
