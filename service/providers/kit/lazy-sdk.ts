// Provider SDKs are loaded on first use, not at boot: the registry imports every provider
// module, so a static SDK import would make every process (and every serverless cold start)
// pay for googleapis, twilio, tsdav… before answering its first request.
//
// Two shapes, by how the SDK is published:
// - requireOnFirstUse: CommonJS-only SDKs, required synchronously at the first call, so
//   sessions keep their synchronous constructors. A CommonJS package is one instance whether
//   it is reached by `import` or `require`, so `instanceof` against its classes still holds.
// - importOnFirstUse: ESM or dual packages (their `require` build is a second copy whose
//   classes differ), loaded with import() from async code. Their errors can only be thrown
//   after the load, so classifiers read `loaded()` synchronously.
import { createRequire } from "node:module";

const requireHere = createRequire(import.meta.url);

/** `id` (a CommonJS package) required at the first call of the returned function. */
export function requireOnFirstUse<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= requireHere(id) as T);
}

export interface LazyModule<T> {
  /** Imports the module on the first call; later calls share it. */
  load(): Promise<T>;
  /** The module when a load has finished, else undefined (nothing of it can exist yet). */
  loaded(): T | undefined;
}

export function importOnFirstUse<T>(load: () => Promise<T>): LazyModule<T> {
  let mod: T | undefined;
  let pending: Promise<T> | undefined;
  return {
    load: () => {
      pending ??= load().then((m) => (mod = m));
      return pending;
    },
    loaded: () => mod,
  };
}
