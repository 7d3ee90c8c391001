// The `tatu` CLI: the launch runbook as executable steps. The program (global flags, commands)
// is built in cli/program.ts; the commands are declared in cli/commands/<command>/command.ts.
import { argvWithHelp, buildProgram } from "./program.ts";

await buildProgram().parseAsync(argvWithHelp(process.argv));
