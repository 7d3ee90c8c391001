export { registerSmoke } from "./run.ts";
