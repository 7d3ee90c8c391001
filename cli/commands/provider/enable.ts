import type { Command } from "commander";
import { registerProviderToggle } from "./toggle.ts";
export const registerProviderEnable = (provider: Command) => registerProviderToggle(provider, true);
