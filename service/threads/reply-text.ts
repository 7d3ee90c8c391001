// What a person wrote in a reply to a notification email, without what their mail program
// added: the quoted original ("On … wrote:", "-----Original Message-----", Outlook's header
// block, "> " lines) and the signature ("-- ", "Sent from my phone").

/** A line that starts the quoted original (the line itself and everything after it go). */
const QUOTE_HEADERS: RegExp[] = [
  /^On\s.+\swrote:\s*$/i, // Gmail, Apple Mail, Thunderbird
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i, // Outlook, Yahoo
  /^-{2,}\s*Forwarded message\s*-{2,}\s*$/i,
  /^_{10,}\s*$/, // Outlook's rule above its header block
  /^Le\s.+\sa écrit\s?:\s*$/i, // French
  /^Am\s.+\sschrieb\s.+:\s*$/i, // German
  /^El\s.+\sescribió:\s*$/i, // Spanish
  /^Op\s.+\sschreef\s.+:\s*$/i, // Dutch
];
/** A signature delimiter or a mobile footer: it and everything after it go. */
const SIGNATURES: RegExp[] = [
  /^--\s*$/,
  /^Sent from my .{1,40}$/i,
  /^Get Outlook for .{1,20}$/i,
  /^Von meinem .+ gesendet$/i,
];
/** Outlook's header block: "From: …" followed (within a few lines) by "Sent:"/"Date:" and "To:"/"Subject:". */
const isHeaderBlock = (lines: string[], i: number) =>
  /^\*?From:\*?\s/i.test(lines[i]!) &&
  lines.slice(i + 1, i + 5).some((l) => /^\*?(Sent|Date):\*?\s/i.test(l)) &&
  lines.slice(i + 1, i + 6).some((l) => /^\*?(To|Subject):\*?\s/i.test(l));

/** The new text of a reply: quoted original and signature removed, trimmed. */
export function replyText(body: string): string {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    // Gmail wraps a long attribution: "On Mon, 7 Dec 2026 at 10:00, Jo <jo@…>" / "wrote:".
    const joined = i + 1 < lines.length ? `${line} ${lines[i + 1]!.trim()}` : line;
    if (
      QUOTE_HEADERS.some((r) => r.test(line)) ||
      (/^On\s/i.test(line) && /\swrote:\s*$/i.test(joined)) ||
      isHeaderBlock(lines, i) ||
      SIGNATURES.some((r) => r.test(line))
    ) {
      end = i;
      break;
    }
  }
  return lines
    .slice(0, end)
    .filter((l) => !/^\s*>/.test(l))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
