// Every `zod` import of the web build resolves here (vite.config.ts alias). Zod 4 probes
// `new Function("")` when a schema is built, to decide whether to compile fast parsers; our
// CSP (script-src 'self', no 'unsafe-eval') refuses that and reports a violation on every
// page with a form. jitless: zod never tries eval; parsing is the same, just interpreted.
import { config } from "zod/v4";

config({ jitless: true });

export * from "zod/v4";
export { default } from "zod/v4";
