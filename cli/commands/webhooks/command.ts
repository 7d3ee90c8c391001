// tatu webhooks test [provider]
import { webhookProviders } from "../../steps/webhooks.ts";
import { envFileOption } from "../options.ts";
import type { CommandSpec } from "../spec.ts";

export const webhooksCommand: CommandSpec = {
  name: "webhooks",
  description: "webhook endpoints of the deployed app",
  subcommands: [
    {
      name: "test",
      description:
        "test the deployed webhook endpoints: Meta handshake (right token echoes the challenge, wrong 403), signed event accepted, tampered rejected; Twilio signed vs unsigned; Stripe signed vs stale. Secrets from FACEBOOK_APP_SECRET, FACEBOOK_WEBHOOK_VERIFY_TOKEN, TWILIO_AUTH_TOKEN, STRIPE_WEBHOOK_SECRET",
      arguments: [{ name: "[provider]", description: `${webhookProviders.join(" | ")} | all`, default: "all" }],
      options: [envFileOption("read the secrets from this dotenv file")],
      examples: [
        {
          what: "Every webhook endpoint of production, secrets from an env file",
          command: "tatu webhooks test --url https://tatu.example.com --env-file .env.production",
        },
        { what: "Only Stripe's endpoint", command: "tatu webhooks test stripe --url https://tatu.example.com" },
      ],
      action: () => import("./test.ts").then((m) => m.webhooksTest),
    },
  ],
};
