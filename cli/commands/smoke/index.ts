export { registerSmoke } from "./action.ts";
