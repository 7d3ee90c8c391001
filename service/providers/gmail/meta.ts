import { defineMeta } from "../kit/meta.ts";

export default defineMeta({
  id: "gmail",
  order: 10,
  label: "Gmail",
  kind: "channel",
  requiredEnv: ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"],
  smokeNames: [{ name: "gmail", title: "Gmail", inbound: "email" }],
  ui: { mark: "G", shortName: "Gmail" },
});
