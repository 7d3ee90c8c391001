import type { Command } from "commander";
import { registerProviderToggle } from "./toggle.ts";
export const registerProviderDisable = (provider: Command) => registerProviderToggle(provider, false);
