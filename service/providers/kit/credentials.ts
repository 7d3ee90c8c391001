// Reading a connected account's stored (decrypted) credentials back with the provider's schema.
import type { z } from "zod";
import type { ProviderAccount } from "./channel.ts";
import { ProviderError } from "./errors.ts";

/** `account.credentials` read with `schema`. Unreadable ones are an `auth` failure (`unreadable`):
 *  only reconnecting the account can fix them, retrying cannot. */
export function storedCredentials<S extends z.ZodType>(
  schema: S,
  account: Pick<ProviderAccount, "credentials">,
  unreadable: { message: string; code: string },
): z.output<S> {
  const parsed = schema.safeParse(account.credentials);
  if (!parsed.success) throw new ProviderError("auth", unreadable.message, { code: unreadable.code });
  return parsed.data;
}
