export { registerRollback } from "./action.ts";
