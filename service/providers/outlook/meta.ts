import { defineMeta } from "../kit/meta.ts";

/** Outlook.com personal accounts (Hotmail, MSN, Live) and work mailboxes, through Microsoft Graph. */
export default defineMeta({
  id: "outlook",
  order: 20,
  label: "Outlook",
  kind: "channel",
  requiredEnv: ["OUTLOOK_CLIENT_ID", "OUTLOOK_CLIENT_SECRET"],
  smokeNames: [
    { name: "outlook", title: "Outlook", avoid: "hotmail|msn|live", inbound: "email" },
    { name: "hotmail", title: "Hotmail/MSN alias", match: "hotmail|msn|live", inbound: "email" },
  ],
  ui: { mark: "O", shortName: "Outlook" },
});
