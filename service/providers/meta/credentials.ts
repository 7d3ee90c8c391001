// The credentials a Meta account carries (set by connect.ts, decrypted by the inbox).
import { z } from "zod";
import { ProviderError } from "../kit/errors.ts";
import type { ProviderAccount } from "../kit/channel.ts";
import type { MetaChannel } from "./config.ts";

const facebook = z.object({
  pageAccessToken: z.string().min(1),
  pageId: z.string().min(1),
  userAccessToken: z.string().optional(),
});
const instagram = z.object({ pageAccessToken: z.string().min(1), pageId: z.string().min(1), igId: z.string().min(1) });

export interface MetaCredentials {
  pageAccessToken: string;
  pageId: string /** The id messages are from/to: Page id or IG account id. */;
  ownId: string;
}

export function accountCredentials(channel: MetaChannel, account: ProviderAccount): MetaCredentials {
  if (channel === "facebook") {
    const c = facebook.safeParse(account.credentials);
    if (c.success) return { pageAccessToken: c.data.pageAccessToken, pageId: c.data.pageId, ownId: c.data.pageId };
  } else {
    const c = instagram.safeParse(account.credentials);
    if (c.success) return { pageAccessToken: c.data.pageAccessToken, pageId: c.data.pageId, ownId: c.data.igId };
  }
  throw new ProviderError("auth", "The stored Meta credentials are incomplete. Reconnect the account.", {
    code: "META_CREDENTIALS_MISSING",
  });
}
