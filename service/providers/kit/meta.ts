// What Tatu knows about a provider without loading its SDK: id, label, kind, the server env a
// connect needs, the webhook sources it owns, the names `tatu smoke` accepts and how the web app
// shows it. Each provider folder has a meta.ts; the catalog is generated from them
// (scripts/gen-providers.ts), so the CLI and the web app read the same facts as the service.
import type { EnvName } from "../../config/registry.ts";

export type ProviderKind = "channel" | "calendar" | "payments";

/** A field of a credentials form; the web app renders the form from these. */
export interface FormField {
  name: string;
  label: string;
  type?: "text" | "email" | "password" | "tel" | "url";
  placeholder?: string;
  autoComplete?: string;
  hint?: string;
}

export interface HowTo {
  title: string;
  steps: readonly string[];
  note?: string;
}

/** One choice of a form with presets; what it leaves out comes from the form. */
export interface FormPreset {
  id: string;
  label: string;
  fields?: readonly FormField[];
  submit?: string;
  howTo?: HowTo;
}

export interface ProviderUi {
  /** Channels: the letter mark of the inbox list (letters, not emoji: every system renders them). */
  mark?: string;
  /** Channels: the name in the inbox when shorter than the label ("Messenger"). */
  shortName?: string;
  /** Credentials providers: the connect form (POST /api/integrations/<route>/connect). */
  form?: {
    fields: readonly FormField[];
    submit: string;
    howTo?: HowTo;
    /** Services the provider serves alike (IMAP: Yahoo, iCloud Mail, …): the form offers a choice,
     *  sends the chosen id as `preset`, and draws that preset's fields, submit and how-to. */
    presets?: readonly FormPreset[];
    /** The label of that choice (default "Service"). */
    presetLabel?: string;
  };
  /** A connect flow the web app draws itself (SMS: assigned numbers or the studio's own account). */
  custom?: "sms";
}

/** `tatu smoke <name>`: which connected account of the provider a smoke name picks. */
export interface SmokeName {
  name: string;
  /** What the runbook item is called ("Hotmail/MSN alias"). */
  title: string;
  /** Check every connected account of the provider, not one (SMS: server numbers and own accounts). */
  every?: boolean;
  /** Only accounts whose alias/address matches (case-insensitive regex source). */
  match?: string;
  /** Prefer accounts that do not match (falls back to any). */
  avoid?: string;
  /** How the smoke gets a fresh message in: a mail from a second test mailbox, a text from a
   *  second test number, or (where an account cannot message itself) a code a person sends. */
  inbound: "email" | "sms" | "person";
}

export interface ProviderMeta {
  /** Stored id: accounts, conversations, kill switches (`provider.<id>`) and the API use it. */
  readonly id: string;
  readonly label: string;
  readonly kind: ProviderKind;
  /** Where it is listed (Integrations page, switches, smoke names): lower first. */
  readonly order: number;
  /** Server env a connect needs; without it the API answers 503 PROVIDER_NOT_CONFIGURED. */
  readonly requiredEnv?: readonly EnvName[];
  /** Sources of POST /api/webhooks/<source> this provider verifies and parses. */
  readonly webhookSources?: readonly string[];
  /** Names `tatu smoke` accepts for it (channels; default: none). */
  readonly smokeNames?: readonly SmokeName[];
  readonly ui?: ProviderUi;
}

/** Keeps the literal id and kind, so the catalog's id unions are exact. */
export function defineMeta<const M extends ProviderMeta>(meta: M): M {
  return meta;
}
