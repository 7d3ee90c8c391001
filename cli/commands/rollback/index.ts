export { registerRollback } from "./run.ts";
