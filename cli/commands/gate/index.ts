export { registerGate } from "./run.ts";
