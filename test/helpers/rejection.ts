import { expect } from "vitest";
import { ProviderError } from "../../service/providers/kit/errors.ts";

/** The ProviderError that `p` rejects with (an async iterable is drained first); fails if it resolves. */
export async function rejection(p: Promise<unknown> | AsyncIterable<unknown>): Promise<ProviderError> {
  try {
    if (Symbol.asyncIterator in p)
      for await (const _ of p as AsyncIterable<unknown>) {
        /* drain */
      }
    else await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error("expected a rejection");
}
