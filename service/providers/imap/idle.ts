// IMAP IDLE (RFC 2177) on INBOX: one long-lived connection per mailbox that tells the caller
// when new mail arrives; the caller runs the account's normal sync (this file stores nothing).
// IDLE is broken with a NOOP and re-issued every `refreshMs` (servers may drop a session that
// stayed idle for 29 minutes); a dead peer is noticed by imapflow's socket timeout (its NOOP
// probe never answers) and ends the watch like any other disconnect.
import type { MailboxWatch, ProviderAccount, ProviderEnv, WatchOptions } from "../kit/channel.ts";
import { classifyYahooError } from "./errors.ts";
import { closeImap, openImap } from "./imap.ts";
import { credentialsOf } from "./settings.ts";

export async function watchInbox(
  env: ProviderEnv,
  account: ProviderAccount,
  opts: WatchOptions,
): Promise<MailboxWatch> {
  const client = await openImap(env, credentialsOf(account));
  let stopped = false;
  let failure: Error | undefined;
  let idling = false;
  let resolveClosed!: (err: Error | undefined) => void;
  const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
  let refresh: NodeJS.Timeout | undefined;
  const finish = () => {
    idling = false;
    clearInterval(refresh);
    resolveClosed(failure);
  };
  client.on("close", finish);
  client.on("error", (err: unknown) => (failure ??= classifyYahooError(err, "imap")));

  try {
    // EXAMINE: read-only, like the sync; IDLE works on it all the same.
    await client.mailboxOpen("INBOX", { readOnly: true });
  } catch (err) {
    await closeImap(client);
    throw classifyYahooError(err, "imap");
  }
  client.on("exists", (data: { count: number; prevCount: number }) => {
    if (data.count > data.prevCount) opts.onNewMail();
  });

  refresh = setInterval(() => {
    // Breaks IDLE (imapflow sends DONE first); the loop below re-issues it after the NOOP.
    client.noop().catch(() => undefined);
  }, opts.refreshMs);
  refresh.unref();

  void (async () => {
    try {
      while (!stopped && client.usable) {
        idling = true;
        // Returns when IDLE is broken: the refresh NOOP, imapflow's timeout probe, or a closed socket.
        await client.idle();
        idling = false;
      }
    } catch (err) {
      failure ??= classifyYahooError(err, "imap");
    } finally {
      idling = false;
      if (!stopped) client.close();
    }
  })();

  return {
    closed,
    healthy: () => idling && client.usable && !stopped,
    async close() {
      if (stopped) return;
      stopped = true;
      clearInterval(refresh);
      await closeImap(client);
      await closed;
    },
  };
}
