import { defineMeta } from "../kit/meta.ts";

const requiredEnv = ["FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET"] as const;

/** One Meta login connects Facebook Pages and their linked Instagram accounts. */
export default [
  defineMeta({
    id: "facebook",
    order: 40,
    label: "Facebook Messenger",
    kind: "channel",
    requiredEnv,
    webhookSources: ["facebook"],
    smokeNames: [{ name: "facebook", title: "Facebook Messenger", inbound: "person" }],
    ui: { mark: "f", shortName: "Messenger" },
  }),
  defineMeta({
    id: "instagram",
    order: 50,
    label: "Instagram",
    kind: "channel",
    requiredEnv,
    webhookSources: ["instagram"],
    smokeNames: [{ name: "instagram", title: "Instagram", inbound: "person" }],
    ui: { mark: "IG", shortName: "Instagram" },
  }),
] as const;
