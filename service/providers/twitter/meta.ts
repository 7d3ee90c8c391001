import { defineMeta } from "../kit/meta.ts";

export default defineMeta({
  id: "twitter",
  order: 60,
  label: "X",
  kind: "channel",
  requiredEnv: ["TWITTER_API_KEY", "TWITTER_API_SECRET"],
  smokeNames: [{ name: "twitter", title: "X/Twitter DMs", inbound: "person" }],
  ui: { mark: "X", shortName: "X" },
});
