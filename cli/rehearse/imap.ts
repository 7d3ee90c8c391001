// Yahoo in the rehearsal needs a real IMAP/SMTP server. In a clone with the test peers and
// Dovecot installed (and root, which Dovecot needs), the rehearsal starts the same Dovecot peer
// the Yahoo tests use; otherwise the Yahoo item is skipped with that reason — never faked.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export interface ImapPeer {
  env(): Record<string, string>;
  addUser(email: string, password: string): Promise<void>;
  /** A message object, or the raw RFC 5322 bytes (mail the rehearsal's customer sent). */
  deliver(to: string, message: { from: string; subject: string; text: string } | Buffer): Promise<void>;
  close(): Promise<void>;
}

export async function startImapPeer(env: NodeJS.ProcessEnv): Promise<{ peer?: ImapPeer; unavailable?: string }> {
  if (env.TATU_REHEARSAL_IMAP === "off") return { unavailable: "TATU_REHEARSAL_IMAP=off" };
  const module = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../standins/peers/dovecot.ts");
  const dovecot = env.DOVECOT_PATH ?? "/usr/sbin/dovecot";
  if (!fs.existsSync(module)) return { unavailable: "no standins/peers/dovecot.ts (not a development clone)" };
  if (!fs.existsSync(dovecot)) return { unavailable: `Dovecot is not installed (${dovecot})` };
  if (process.getuid?.() !== 0) return { unavailable: "Dovecot needs root to start" };
  try {
    const { startMailPeer } = (await import(pathToFileURL(module).href)) as { startMailPeer(): Promise<ImapPeer> };
    return { peer: await startMailPeer() };
  } catch (err) {
    return { unavailable: `the Dovecot peer did not start: ${(err as Error).message.split("\n")[0]}` };
  }
}
