// tatu gate [--vercel]
import { envFileOption } from "../options.ts";
import type { CommandSpec } from "../spec.ts";

export const gateCommand: CommandSpec = {
  name: "gate",
  summary: "CI go/no-go: env, migrations, readiness, webhooks, smokes",
  description:
    "CI go/no-go: env check + migrate status (when DATABASE_URL is set) + readiness + webhook tests (providers whose secrets are set) + smokes in TATU_SMOKE_PROVIDERS (default signup); non-interactive",
  options: [
    {
      flags: "--vercel",
      description:
        "check the env vars in the Vercel project (presence + production target) instead of this environment's own",
    },
    envFileOption("read the environment from this dotenv file"),
  ],
  examples: [
    {
      what: "The GitHub Actions gate (exit 0 GO, 1 NO-GO, 3 unreachable)",
      command: 'tatu gate --vercel --json --url "$APP_URL" | tee gate.json',
    },
  ],
  action: () => import("./action.ts").then((m) => m.gate),
};
