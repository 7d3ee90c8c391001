// tatu smoke <names...>
import { smokeNames } from "../../steps/smoke.ts";
import { envFileOption } from "../options.ts";
import type { CommandSpec } from "../spec.ts";

export const smokeCommand: CommandSpec = {
  name: "smoke",
  summary: "signup and per-provider smoke tests against --url (all: in parallel)",
  description:
    "smoke tests against --url: `signup` runs the signup checklist with a fresh address, reading the verification mail from the dev outbox or, with TATU_SMOKE_SIGNUP_EMAIL + TATU_SMOKE_IMAP_URL, a test mailbox; provider smokes sign in as TATU_SMOKE_EMAIL / TATU_SMOKE_PASSWORD (a dedicated test account), check its connected account is healthy, see a fresh message arrive (a mail from TATU_SMOKE_SENDER_SMTP_URL, a text from TATU_SMOKE_SENDER_TWILIO_NUMBER, or a one-time code a person sends on Messenger, Instagram and X: without a terminal that needs a person, exit 2), reply to it, run a manual sync and see the reply come back",
  arguments: [{ name: "<names...>", description: `${smokeNames.join(" | ")} | all (several allowed)` }],
  options: [envFileOption("read TATU_SMOKE_* from this dotenv file")],
  examples: [
    {
      what: "Sign up a fresh account on staging (verification mail from the dev outbox)",
      command: "tatu smoke signup --url https://staging.tatu.example.com",
    },
    {
      what: "Gmail and SMS round trips as the smoke account",
      command: "tatu smoke gmail sms --url https://tatu.example.com --env-file .env.smoke",
    },
    {
      what: "Every smoke in parallel, one JSON document for CI",
      command: "tatu smoke all --json --url https://tatu.example.com",
    },
  ],
  action: () => import("./action.ts").then((m) => m.smoke),
};
