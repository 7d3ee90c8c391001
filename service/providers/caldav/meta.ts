import { defineMeta } from "../kit/meta.ts";

/** CalDAV with an app-specific password; iCloud is its preset and keeps the stored id "apple-calendar". */
export default defineMeta({
  id: "apple-calendar",
  order: 130,
  label: "Apple Calendar (iCloud)",
  kind: "calendar",
  ui: {
    form: {
      submit: "Connect Apple Calendar",
      fields: [
        { name: "appleId", label: "Apple Account email", type: "email" },
        { name: "appPassword", label: "App-specific password", type: "password", autoComplete: "off" },
      ],
      howTo: {
        title: "Connect Apple (iCloud) Calendar",
        steps: [
          "Create an app-specific password at account.apple.com → Sign-In and Security → App-Specific Passwords.",
        ],
      },
    },
  },
});
