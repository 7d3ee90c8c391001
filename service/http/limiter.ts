// The contract of a rate limit, whichever backend counts its hits (rate-limit.ts picks one).
/** What every limit offers its routes, whichever backend counts the hits. */
export interface Limiter {
  /** Counts one hit; throws a 429 HttpError (with Retry-After) when over the limit. */
  hit(key: string, message?: string): Promise<void>;
  /** Throws a 429 if the key is already over the limit, without counting a hit. */
  check(key: string, message?: string): Promise<void>;
  reset(key: string): Promise<void>;
}
