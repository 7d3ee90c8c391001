// Deterministic, realistic-looking mail for the inbox benchmarks: a tattoo studio's mailbox
// with recurring clients (a few write a lot), threads of 1–20 messages going back and forth,
// quoted replies, HTML alternatives with a signature, Message-ID / In-Reply-To / References
// chains and Gmail-style ids (the thread id is the id of its first message).
import type { Address, InboundMessage } from "../service/providers/kit/channel.ts";
import { mulberry32 } from "./lib/random.ts";

/** Clients' first and last names; inbox-list seeds its contacts from the same lists. */
export const FIRST = [
  "Sam",
  "Alex",
  "Maria",
  "Jo",
  "Priya",
  "Lucas",
  "Mei",
  "Noah",
  "Aisha",
  "Tomás",
  "Lena",
  "Kai",
  "Zoe",
  "Omar",
  "Ines",
  "Finn",
  "Yuki",
  "Rosa",
  "Dev",
  "Elif",
];
export const LAST = [
  "Rivera",
  "Kim",
  "Silva",
  "Novak",
  "Patel",
  "Moreau",
  "Chen",
  "Okafor",
  "Haddad",
  "García",
  "Berg",
  "Tanaka",
  "Rossi",
  "Nakamura",
  "Costa",
  "Murphy",
  "Singh",
  "Kowalski",
  "Dubois",
  "Yilmaz",
];
const DOMAINS = [
  "gmail.com",
  "yahoo.com",
  "outlook.com",
  "icloud.com",
  "hotmail.com",
  "proton.me",
  "web.de",
  "example.test",
];
export const SUBJECTS = [
  "Fine-line rose on the wrist",
  "Sleeve consultation",
  "Cover-up of an old tribal piece",
  "Flash day booking",
  "Deposit for Saturday",
  "Touch-up after healing",
  "Matching tattoos for my sister and me",
  "Quote for a back piece",
  "Aftercare question",
  "Guest spot in Lisbon",
  "Portrait of my dog",
  "Minimal line work behind the ear",
  "Blackwork forearm",
  "Rescheduling my appointment",
  "Gift voucher for a friend",
  "Colour realism koi",
  "Lettering in my grandmother's handwriting",
  "Is 3 hours enough?",
  "Numbing cream?",
  "Reference photos attached",
];
const SENTENCES = [
  "Hi! I saw your latest flash on Instagram and I love the style.",
  "Would it be possible to book a session sometime next month?",
  "I'm thinking of something around 10 cm, on the inside of my forearm.",
  "Do you take deposits by bank transfer or only in the studio?",
  "The healing went really well, thanks for the aftercare tips.",
  "Could we make the lines a bit thinner than in the sketch?",
  "I can send more reference pictures if that helps.",
  "My budget is flexible, but I'd like to know roughly what it would cost.",
  "Saturday afternoon would be perfect for me, otherwise any weekday after 5.",
  "Sorry for the late reply, work has been crazy this week.",
  "Thanks so much, see you on Thursday!",
  "Is there anything I should avoid the day before the session?",
  "I'd love to keep the design black and grey with some dotwork shading.",
  "My friend got tattooed by you last year and can't stop recommending you.",
  "Can we move the appointment by one week? Something came up.",
  "Attached is the sketch my partner drew, it would mean a lot to us.",
  "How long should I wait before going swimming?",
  "Perfect, the deposit is sent. Let me know if you received it.",
];

export interface Contact extends Address {
  name: string;
}

export interface GeneratedMailbox {
  /** Newest first, like Gmail's messages.list. */
  messages: InboundMessage[];
  contacts: Contact[];
  threads: { threadKey: string; subject: string; contact: Contact; lastRfc: string }[];
}

export interface GenOptions {
  count: number;
  seed: number;
  /** The mailbox owner (to/from of outbound mail). */
  own: Address;
  from: Date;
  to: Date;
  /** Leading hex digit(s) of every generated id, so two mailboxes never share ids. */
  idPrefix: string;
  /** Share of messages that carry an HTML alternative (sanitised at ingest). */
  htmlShare?: number;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function generateMailbox(o: GenOptions): GeneratedMailbox {
  const rand = mulberry32(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const htmlShare = o.htmlShare ?? 0.65;
  const contacts: Contact[] = Array.from({ length: Math.max(20, Math.round(o.count / 6)) }, (_, i) => {
    const first = pick(FIRST),
      last = pick(LAST);
    return {
      name: `${first} ${last}`,
      handle: `${first}.${last}.${i}@${pick(DOMAINS)}`
        .toLowerCase()
        .normalize("NFD")
        .replace(/[\u0300-\u036f]/g, ""),
    };
  });
  let seq = 0;
  const id = () => `${o.idPrefix}${(++seq).toString(16).padStart(13, "0")}`;
  const body = (n: number) => Array.from({ length: n }, () => pick(SENTENCES));

  const messages: InboundMessage[] = [];
  const threads: GeneratedMailbox["threads"] = [];
  const span = o.to.getTime() - o.from.getTime();
  while (messages.length < o.count) {
    const size = Math.min(o.count - messages.length, 1 + Math.min(19, Math.floor(-Math.log(1 - rand()) * 3)));
    // Skewed: regulars write many threads, most clients one or two.
    const contact = contacts[Math.floor(contacts.length * rand() * rand())]!;
    const subject = pick(SUBJECTS);
    const gaps = Array.from({ length: size }, () => (1 + rand() * 47) * 3_600_000);
    const threadSpan = gaps.reduce((a, b) => a + b, 0);
    let at = o.from.getTime() + rand() * Math.max(0, span - threadSpan);
    let inbound = rand() < 0.9;
    let threadKey = "";
    const refs: string[] = [];
    let prev: { text: string; name: string; at: Date } | undefined;
    for (let k = 0; k < size; k++) {
      at += gaps[k]!;
      const externalId = id();
      threadKey ||= externalId;
      const rfc = `<${externalId}.${o.seed}@mail.${inbound ? "example.test" : "studio.test"}>`;
      const sentences = body(2 + Math.floor(rand() * 7));
      const sender: Address = inbound ? { name: contact.name, handle: contact.handle } : o.own;
      let text = sentences.join(" ");
      if (prev)
        text += `\n\nOn ${prev.at.toUTCString()}, ${prev.name} wrote:\n> ${prev.text.slice(0, 300).replace(/\n/g, "\n> ")}`;
      const html =
        rand() < htmlShare
          ? `<div dir="ltr">${sentences.map((s) => `<p style="margin:0 0 8px">${esc(s)}</p>`).join("")}` +
            `<div class="gmail_signature"><p>— ${esc(sender.name ?? "")}<br><a href="https://instagram.com/${esc(sender.handle.split("@")[0]!)}">Instagram</a></p></div>` +
            (prev
              ? `<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">${esc(prev.text.slice(0, 300))}</blockquote>`
              : "") +
            `</div>`
          : undefined;
      messages.push({
        externalId,
        threadKey,
        direction: inbound ? "inbound" : "outbound",
        from: sender,
        to: inbound ? [o.own] : [{ name: contact.name, handle: contact.handle }],
        cc: rand() < 0.08 ? [{ name: "Studio Front Desk", handle: "desk@studio.test" }] : [],
        subject: k === 0 ? subject : `Re: ${subject}`,
        text,
        ...(html && { html }),
        sentAt: new Date(Math.floor(at / 1000) * 1000),
        seen: !inbound || rand() < 0.85,
        rfc822MessageId: rfc,
        ...(refs.length && { inReplyTo: refs[refs.length - 1], references: refs.slice(-10) }),
        attachments: [],
      });
      refs.push(rfc);
      prev = { text: sentences.join(" "), name: sender.name ?? sender.handle, at: new Date(at) };
      inbound = rand() < 0.7 ? !inbound : inbound;
    }
    threads.push({ threadKey, subject, contact, lastRfc: refs[refs.length - 1]! });
  }
  messages.sort((a, b) => b.sentAt.getTime() - a.sentAt.getTime());
  return { messages, contacts, threads };
}

export function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
