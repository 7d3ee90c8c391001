// What the inbox keeps of a message body: sanitised HTML (no scripts, handlers, forms or
// remote frames) and a one-line snippet for the conversation list.
import sanitizeHtml from "sanitize-html";

const allowedTags = [...sanitizeHtml.defaults.allowedTags, "img", "span", "font", "center"];

export function sanitizeMessageHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags,
    allowedAttributes: {
      ...sanitizeHtml.defaults.allowedAttributes,
      img: ["src", "alt", "width", "height", "title"],
      "*": ["style", "align", "dir"],
      a: ["href", "name", "title"],
      td: ["colspan", "rowspan", "align", "valign", "width"],
      th: ["colspan", "rowspan", "align", "valign", "width"],
    },
    // cid: shows inline attachments; remote https images are kept (the UI decides whether to load them).
    allowedSchemesByTag: { img: ["https", "cid", "data"], a: ["https", "http", "mailto", "tel"] },
    transformTags: { a: sanitizeHtml.simpleTransform("a", { target: "_blank", rel: "noopener noreferrer nofollow" }) },
  });
}

export function snippetOf(text: string, max = 140): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** "Re: Re: Fwd: Booking" → "Booking", for a conversation's subject. */
export function baseSubject(subject: string | undefined): string | undefined {
  const s = subject?.replace(/^(\s*(re|fw|fwd|aw|sv|tr)\s*(\[\d+\])?\s*:\s*)+/i, "").trim();
  return s || undefined;
}

export function replySubject(subject: string | undefined | null): string {
  const base = subject?.trim() || "";
  return /^re\s*:/i.test(base) ? base : `Re: ${base}`.trim();
}
