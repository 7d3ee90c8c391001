export { registerHypercare } from "./action.ts";
