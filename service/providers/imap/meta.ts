import { defineMeta, type FormField } from "../kit/meta.ts";
import { presets } from "./presets.ts";

/** What every preset asks; "Other IMAP" also asks for its servers. */
function fieldsFor(service: string, own: boolean): FormField[] {
  const common: FormField[] = [
    { name: "email", label: own ? "Email address" : `${service} email address`, type: "email", autoComplete: "email" },
    { name: "appPassword", label: "App password", type: "password", autoComplete: "off" },
  ];
  if (!own) return common;
  return [
    ...common,
    { name: "imapHost", label: "IMAP server", placeholder: "imap.example.com", autoComplete: "off" },
    {
      name: "imapPort",
      label: "IMAP port",
      placeholder: "993",
      autoComplete: "off",
      hint: "993 uses TLS; other ports must offer STARTTLS.",
    },
    { name: "smtpHost", label: "SMTP server", placeholder: "smtp.example.com", autoComplete: "off" },
    {
      name: "smtpPort",
      label: "SMTP port",
      placeholder: "465",
      autoComplete: "off",
      hint: "465 uses TLS; other ports (587) must offer STARTTLS.",
    },
  ];
}

const yahoo = presets[0];

/** Generic IMAP/SMTP with an app password; Yahoo (which offers no mail API) is its first preset
 *  and keeps the stored id "yahoo". */
export default defineMeta({
  id: "yahoo",
  order: 30,
  label: "Yahoo",
  kind: "channel",
  smokeNames: [{ name: "yahoo", title: "Yahoo (app password)", inbound: "email" }],
  ui: {
    mark: "Y!",
    shortName: "Yahoo",
    form: {
      submit: "Connect Yahoo",
      fields: fieldsFor(yahoo.label, false),
      howTo: yahoo.howTo,
      presetLabel: "Mail service",
      presets: presets.map((p) => ({
        id: p.id,
        label: p.label,
        fields: fieldsFor(p.label, p.id === "other"),
        submit: p.id === "other" ? "Connect mail account" : `Connect ${p.label}`,
        howTo: p.howTo,
      })),
    },
  },
});
