// A command declared as data (cli/commands/<command>/command.ts): name, description,
// arguments, options, examples and subcommands. addCommand turns a spec into a commander
// command with its help (examples after the options) and its action, which is imported from
// the subcommand's own file only when that command runs.
import { InvalidArgumentError, Option, type Command } from "commander";
import { commandAction, type CommandBody } from "./action.ts";

export interface ArgumentSpec {
  /** commander syntax: `<required>`, `[optional]`, `<several...>` */
  name: string;
  description: string;
  default?: string;
}

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  /** Text → value; what it throws is a usage error (exit 2) naming the option. */
  parse?: (value: string) => unknown;
}

export interface ExampleSpec {
  what: string;
  command: string;
}

export interface CommandSpec {
  name: string;
  /** The line in the parent's command list, when the description is too long for it. */
  summary?: string;
  description: string;
  arguments?: readonly ArgumentSpec[];
  options?: readonly OptionSpec[];
  examples?: readonly ExampleSpec[];
  subcommands?: readonly CommandSpec[];
  /** The action from the subcommand's file, e.g. `() => import("./status.ts").then((m) => m.cronStatus)`. */
  action?: () => Promise<CommandBody>;
}

export function addCommand(parent: Command, spec: CommandSpec): Command {
  const cmd = parent.command(spec.name).description(spec.description);
  if (spec.summary) cmd.summary(spec.summary);
  for (const a of spec.arguments ?? []) cmd.argument(a.name, a.description, a.default);
  for (const o of spec.options ?? []) cmd.addOption(toOption(o));
  if (spec.examples?.length) cmd.addHelpText("after", examplesHelp(spec.examples));
  for (const sub of spec.subcommands ?? []) addCommand(cmd, sub);
  if (spec.action) cmd.action(commandAction(commandPath(cmd), spec.action));
  return cmd;
}

function toOption(o: OptionSpec): Option {
  const option = new Option(o.flags, o.description);
  if (o.choices) option.choices(o.choices);
  const parse = o.parse;
  if (parse) {
    option.argParser((value: string) => {
      try {
        return parse(value);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    });
  }
  if (o.default !== undefined) option.default(o.default);
  return option;
}

function examplesHelp(examples: readonly ExampleSpec[]): string {
  return `\nExamples:\n${examples.map((e) => `  ${e.what}\n    $ ${e.command}\n`).join("")}`;
}

/** "provider twilio assign": the names from below the program down to this command. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}
