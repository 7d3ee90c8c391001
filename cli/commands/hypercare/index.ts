export { registerHypercare } from "./run.ts";
