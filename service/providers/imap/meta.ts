import { defineMeta } from "../kit/meta.ts";

/** Generic IMAP/SMTP with an app password; Yahoo (which offers no mail API) is its first preset
 *  and keeps the stored id "yahoo". */
export default defineMeta({
  id: "yahoo",
  order: 30,
  label: "Yahoo",
  kind: "channel",
  smokeNames: [{ name: "yahoo", title: "Yahoo (app password)" }],
  ui: {
    mark: "Y!",
    shortName: "Yahoo",
    form: {
      submit: "Connect Yahoo",
      fields: [
        { name: "email", label: "Yahoo email address", type: "email", autoComplete: "email" },
        { name: "appPassword", label: "App password", type: "password", autoComplete: "off" },
      ],
      howTo: {
        title: "How to get a Yahoo app password",
        steps: [
          "Sign in at login.yahoo.com and open Account security.",
          "Choose Generate app password (turn on 2-step verification first if asked).",
          "Name it “Tatu”, then copy the 16 letters Yahoo shows (spaces are fine).",
        ],
        note: "Tatu uses it only to read and send your mail. Remove it at Yahoo any time to cut access.",
      },
    },
  },
});
