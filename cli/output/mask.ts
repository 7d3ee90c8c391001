// Last line of defence for "secrets are never printed": every byte the CLI writes to stdout
// or stderr passes through the service's maskSecrets with the secret values set in the
// environment it runs with (service registry + CLI registry).
import { maskSecrets } from "../../service/observability/logger.ts";

let installed: string[] | undefined;

export function installSecretMasking(secrets: string[]): void {
  if (installed) {
    installed.push(...secrets.filter((s) => !installed!.includes(s)));
    return;
  }
  installed = [...secrets];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text =
        typeof chunk === "string"
          ? chunk
          : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array
            ? Buffer.from(chunk).toString("utf8")
            : String(chunk);
      return write(maskSecrets(text, installed!), ...rest);
    }) as typeof stream.write;
  }
}

/** Masks one string (for files the CLI writes: incident log, JSON reports). */
export function masked(text: string): string {
  return installed ? maskSecrets(text, installed) : text;
}
