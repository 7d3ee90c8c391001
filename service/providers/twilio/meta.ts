import { defineMeta } from "../kit/meta.ts";

/** Needs nothing from the server: a studio may bring its own Twilio account. */
export default defineMeta({
  id: "twilio",
  order: 70,
  label: "SMS (Twilio)",
  kind: "channel",
  webhookSources: ["twilio", "twilio-status"],
  smokeNames: [
    {
      name: "sms",
      title: "Twilio SMS (the assigned server number and/or the studio's own Twilio account)",
      every: true,
      inbound: "sms",
    },
  ],
  ui: { custom: "sms", mark: "SMS", shortName: "SMS" },
});
