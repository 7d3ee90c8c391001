// A real SMTP server (smtp-server) that keeps every message it accepts, parsed with mailparser,
// and can refuse the next delivery to an address with a temporary error (a send that fails), or
// hold its answer to the next one (a sender caught between handing a message over and hearing
// "250 OK": if the sender dies then, the message was never accepted and is dropped, as an MTA does).
import type net from "node:net";
import { SMTPServer } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";
import { PASSWORD } from "../helpers/accounts.ts";
import { uniqueEmail, type TestApp } from "../helpers/app.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";

export interface Mailbox {
  port: number;
  env(): Record<string, string>;
  /** Every accepted message to `to`, parsed. */
  to(to: string): ParsedMail[];
  /** Waits until `to` has a message whose subject matches. */
  waitFor(to: string, subject: RegExp, ms?: number): Promise<ParsedMail>;
  /** The next `n` deliveries to `to` are refused with 451 (try again later). */
  refuseNext(to: string, n?: number): void;
  /** The next delivery to `to` is received but not answered; resolves once it is waiting. A
   *  sender that disconnects meanwhile loses it (never accepted); release() accepts it. */
  holdNext(to: string): { waiting: Promise<void>; release(): void };
  close(): Promise<void>;
}

export async function startMailbox(): Promise<Mailbox> {
  const received: { to: string[]; mail: ParsedMail }[] = [];
  const refusals = new Map<string, number>();
  type Held = { session?: string; accept?: () => void; arrived: () => void };
  const holds = new Map<string, Held>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onRcptTo(address, _session, callback) {
      const left = refusals.get(address.address) ?? 0;
      if (left > 0) {
        refusals.set(address.address, left - 1);
        const err = new Error("Mailbox busy, try again later") as Error & { responseCode: number };
        err.responseCode = 451;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const to = session.envelope.rcptTo.map((r) => r.address);
          const accept = () => {
            received.push({ to, mail });
            callback();
          };
          const held = to.map((a) => holds.get(a)).find((h) => h && !h.session);
          if (!held) return accept();
          Object.assign(held, { session: session.id, accept });
          held.arrived();
        })
        .catch(callback);
    },
    onClose(session) {
      // The sender went away before hearing our answer: a held message was never accepted.
      for (const [addr, h] of holds) if (h.session === session.id) holds.delete(addr);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as net.AddressInfo).port;
  const to = (addr: string) => received.filter((r) => r.to.includes(addr)).map((r) => r.mail);
  return {
    port,
    env: () => ({ SMTP_URL: `smtp://127.0.0.1:${port}`, EMAIL_FROM: "Tatu <hello@tatu.test>" }),
    to,
    async waitFor(addr, subject, ms = 10_000) {
      await until(
        async () => to(addr).some((m) => subject.test(m.subject ?? "")),
        ms,
        `a mail "${subject}" to ${addr}`,
      );
      return to(addr).find((m) => subject.test(m.subject ?? ""))!;
    },
    refuseNext(addr, n = 1) {
      refusals.set(addr, n);
    },
    holdNext(addr) {
      let arrived!: () => void;
      const waiting = new Promise<void>((r) => (arrived = r));
      const held: Held = { arrived };
      holds.set(addr, held);
      return {
        waiting,
        release() {
          if (holds.get(addr) === held) holds.delete(addr);
          held.accept?.();
        },
      };
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Sign up, verify through the link that arrived over SMTP, log in. */
export async function signedInOverSmtp(
  app: TestApp,
  mailbox: Mailbox,
  role: "artist" | "customer",
  name: string,
): Promise<{ client: HttpClient; email: string; userId: string }> {
  const client = app.client();
  const email = uniqueEmail(role);
  const signup = await client.post("/api/auth/signup", { email, password: PASSWORD, name, role });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.text}`);
  const mail = await mailbox.waitFor(email, /Verify your email/);
  const token = new URL(mail.text!.match(/https?:\/\/\S+verify-email\?token=\S+/)![0]).searchParams.get("token")!;
  if ((await client.get(`/api/auth/verify-email?token=${token}`)).status !== 200) throw new Error("verify failed");
  if ((await client.post("/api/auth/login", { email, password: PASSWORD })).status !== 200) throw new Error("login");
  return { client, email, userId: signup.body.userId };
}
