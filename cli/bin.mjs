#!/usr/bin/env node
// `tatu` entry point: loads the TypeScript CLI through tsx, so `npx tatu` works right
// after `npm ci` with no build step.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
