// One short-lived imapflow connection per operation (sync run, send, smoke): Yahoo drops
// idle sessions anyway, and nothing here needs IDLE. The server is checked first (server-guard.ts).
import type { ImapFlow } from "imapflow";
import type { ProviderEnv } from "../kit/channel.ts";
import { classifyYahooError } from "./errors.ts";
import { dialTarget } from "./server-guard.ts";
import { endpoints, type Credentials } from "./settings.ts";
import { importOnFirstUse } from "../kit/lazy-sdk.ts";

const imapflow = importOnFirstUse(() => import("imapflow"));

export async function openImap(env: ProviderEnv, creds: Credentials): Promise<ImapFlow> {
  const { imap } = endpoints(env, creds);
  const dial = await dialTarget(env, imap);
  const client = new (await imapflow.load()).ImapFlow({
    host: dial.host,
    ...(dial.servername && { servername: dial.servername }),
    port: imap.port,
    secure: imap.secure,
    // Plain IMAP is for local test servers (YAHOO_IMAP_SECURE=false: never upgrade there) and
    // LAN servers the operator allowed; a user's own server must speak STARTTLS otherwise.
    doSTARTTLS: imap.secure
      ? undefined
      : imap.startTls === "never"
        ? false
        : imap.startTls === "required"
          ? true
          : undefined,
    auth: { user: creds.email, pass: creds.appPassword },
    logger: false, // its debug output can hold mail content; our own logs say what happened
    disableAutoIdle: true,
    connectionTimeout: 20_000,
    greetingTimeout: 15_000,
    socketTimeout: 120_000,
    clientInfo: { name: "Tatu" },
  });
  // Socket errors after connect are also emitted as events: without a listener they would
  // crash the process. The pending command rejects with the same error, which we classify.
  client.on("error", (err: unknown) =>
    env.log.debug({ err: classifyYahooError(err).code }, "yahoo imap connection error"),
  );
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw classifyYahooError(err, "imap");
  }
  return client;
}

/** Logs out politely; a dead connection is just closed. */
export async function closeImap(client: ImapFlow): Promise<void> {
  try {
    if (client.usable) await client.logout();
  } catch {
    /* already gone */
  } finally {
    client.close();
  }
}

export interface Folder {
  path: string;
  role: "inbox" | "sent";
}

/** INBOX and the \Sent special-use folder (by name as a fallback for servers without SPECIAL-USE). */
export async function mailFolders(client: ImapFlow): Promise<{ inbox: Folder; sent: Folder | undefined }> {
  const list = await client.list();
  const sent =
    list.find((m) => m.specialUse === "\\Sent") ??
    list.find((m) => /^(sent|sent items|sent messages|sent mail)$/i.test(m.name ?? m.path));
  return { inbox: { path: "INBOX", role: "inbox" }, sent: sent && { path: sent.path, role: "sent" } };
}
