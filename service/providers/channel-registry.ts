// The inbox channels Tatu knows, by id. Adding a channel = one folder + one line here.
import type { ChannelId, ChannelProvider } from "./kit/channel.ts";
import { gmailProvider } from "./gmail/index.ts";
import { outlookProvider } from "./outlook/index.ts";
import { yahooProvider } from "./imap/index.ts";
import { facebookProvider, instagramProvider } from "./meta/index.ts";
import { twitterProvider } from "./twitter/index.ts";
import { twilioProvider } from "./twilio/index.ts";

export const channelProviders: { [K in ChannelId]?: ChannelProvider } = {
  gmail: gmailProvider,
  outlook: outlookProvider,
  yahoo: yahooProvider,
  facebook: facebookProvider,
  instagram: instagramProvider,
  twitter: twitterProvider,
  twilio: twilioProvider,
};

export function channelProvider(id: string): ChannelProvider | undefined {
  return Object.hasOwn(channelProviders, id) ? channelProviders[id as ChannelId] : undefined;
}

export function allChannelProviders(): ChannelProvider[] {
  return Object.values(channelProviders).filter((p): p is ChannelProvider => Boolean(p));
}

/** By the URL segment of /api/integrations/<route>/… ("google" → gmail). */
export function channelByRoute(route: string): ChannelProvider | undefined {
  return allChannelProviders().find((p) => p.connect.route === route);
}
