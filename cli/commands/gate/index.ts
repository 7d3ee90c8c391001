export { registerGate } from "./action.ts";
