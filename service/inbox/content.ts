// What the inbox keeps of a message body: sanitised HTML (no scripts, handlers, forms or
// remote frames; inline styles limited to a safe list) and a one-line snippet for the
// conversation list. Showing it (renderMessageHtml) sanitises again with today's rules, and
// leaves remote images out until the artist asks for them: a remote image is a read receipt
// (tracking pixel) that tells the sender when, where and on what the mail was opened.
import { createRequire } from "node:module";
import type SanitizeHtml from "sanitize-html";

// sanitize-html (with postcss and htmlparser2, CommonJS) is required at the first body to
// clean, not at boot: a process that never stores or shows a message never loads it.
const requireHere = createRequire(import.meta.url);
let sanitizer: { sanitizeHtml: typeof SanitizeHtml; baseOptions: SanitizeHtml.IOptions } | undefined;
function loadSanitizer() {
  if (sanitizer) return sanitizer;
  const sanitizeHtml = requireHere("sanitize-html") as typeof SanitizeHtml;
  return (sanitizer = { sanitizeHtml, baseOptions: baseOptionsOf(sanitizeHtml) });
}

// Style values: anchored allowlists per property. Nothing with a function call but colours
// (so no url(), image-set(), expression(), var()), no escapes, no position/float/z-index.
const LENGTH = String.raw`(?:0|-?\d{1,4}(?:\.\d+)?(?:px|pt|em|rem|%|ex|ch)|auto)`;
const COLOR = String.raw`(?:#[0-9a-f]{3,8}|[a-z]{3,20}|rgba?\(\s*[\d.%\s,/]+\)|hsla?\(\s*[\d.%\s,/deg]+\))`;
const re = (body: string) => [new RegExp(`^(?:${body})$`, "i")];
const lengths = (n: number) => re(`${LENGTH}(?:\\s+${LENGTH}){0,${n - 1}}`);
const color = re(COLOR);
const BORDER_STYLE = "none|hidden|solid|dashed|dotted|double|groove|ridge|inset|outset";
const border = re(`(?:(?:${LENGTH}|thin|medium|thick|${BORDER_STYLE}|${COLOR})\\s*){1,3}`);
/** Sizes: a length up to 9999px / 100%, never viewport units that could cover the screen. */
const size = re(String.raw`0|auto|\d{1,4}(?:\.\d+)?(?:px|pt|em|rem)?|(?:100|\d{1,2})(?:\.\d+)?%`);

export const allowedStyles: Record<string, RegExp[]> = {
  color,
  "background-color": color,
  background: color,
  "font-family": re(String.raw`[\w\s,'"-]{1,200}`),
  "font-size": re(`${LENGTH}|xx-small|x-small|small|medium|large|x-large|xx-large|smaller|larger`),
  "font-weight": re("normal|bold|bolder|lighter|[1-9]00"),
  "font-style": re("normal|italic|oblique"),
  "font-variant": re("normal|small-caps"),
  "line-height": re(`normal|\\d{1,2}(?:\\.\\d+)?|${LENGTH}`),
  "letter-spacing": re(`normal|${LENGTH}`),
  "text-align": re("left|right|center|justify|start|end"),
  "text-decoration": re("none|underline|overline|line-through"),
  "text-transform": re("none|uppercase|lowercase|capitalize"),
  "vertical-align": re(`baseline|top|middle|bottom|sub|super|text-top|text-bottom|${LENGTH}`),
  "white-space": re("normal|nowrap|pre|pre-wrap|pre-line"),
  "word-break": re("normal|break-all|keep-all|break-word"),
  display: re("block|inline|inline-block|none|table|table-row|table-cell|list-item"),
  margin: lengths(4),
  "margin-top": lengths(1),
  "margin-right": lengths(1),
  "margin-bottom": lengths(1),
  "margin-left": lengths(1),
  padding: lengths(4),
  "padding-top": lengths(1),
  "padding-right": lengths(1),
  "padding-bottom": lengths(1),
  "padding-left": lengths(1),
  border,
  "border-top": border,
  "border-right": border,
  "border-bottom": border,
  "border-left": border,
  "border-color": color,
  "border-style": re(BORDER_STYLE),
  "border-width": lengths(4),
  "border-radius": lengths(4),
  "border-collapse": re("collapse|separate"),
  "border-spacing": lengths(2),
  width: size,
  height: size,
  "max-width": size,
  "min-width": size,
  "max-height": size,
  "min-height": size,
};

const LINK_SCHEMES = ["https", "http", "mailto", "tel"];
const baseOptionsOf = (sanitizeHtml: typeof SanitizeHtml): SanitizeHtml.IOptions => ({
  allowedTags: [...sanitizeHtml.defaults.allowedTags, "img", "span", "font", "center"],
  allowedAttributes: {
    ...sanitizeHtml.defaults.allowedAttributes,
    img: ["src", "alt", "width", "height", "title"],
    "*": ["style", "align", "dir"],
    a: ["href", "name", "title"],
    td: ["colspan", "rowspan", "align", "valign", "width"],
    th: ["colspan", "rowspan", "align", "valign", "width"],
  },
  allowedStyles: { "*": allowedStyles },
  // cid: shows inline attachments; remote http(s) images are kept for when the artist asks.
  allowedSchemesByTag: { img: ["https", "http", "cid", "data"], a: LINK_SCHEMES },
  transformTags: { a: sanitizeHtml.simpleTransform("a", { target: "_blank", rel: "noopener noreferrer nofollow" }) },
});

/** An email's HTML made safe to show: sanitize-html with the inbox's allow-list. */
export function sanitizeMessageHtml(html: string): string {
  const { sanitizeHtml, baseOptions } = loadSanitizer();
  return sanitizeHtml(html, baseOptions);
}

const isRemote = (src: string | undefined) => /^\s*(https?:)?\/\//i.test(src ?? "");
// A grey box with a crossed-out picture: where a remote image would be.
const PLACEHOLDER = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24"><rect width="24" height="24" fill="#e5e7eb"/><path d="M5 17l4-5 3 3 2-2 5 4M4 4l16 16" stroke="#9ca3af" stroke-width="1.5" fill="none"/></svg>')}`;

/**
 * How many images of a stored body load from other servers (the "Load remote images" offer).
 * Stored bodies are sanitize-html output (attributes always double-quoted), so a scan is exact
 * enough and costs nothing on the message list's hot path.
 */
export function countRemoteImages(html: string | null): number {
  return html ? (html.match(/<img\b[^>]*\ssrc="\s*(?:https?:)?\/\//gi)?.length ?? 0) : 0;
}

const isInline = (src: string | undefined) => /^\s*(cid|data):/i.test(src ?? "");

/**
 * The body as the inbox shows it: sanitised again (stored bodies may predate today's rules),
 * remote images replaced by a local placeholder unless `remoteImages`; cid:/data: images stay,
 * relative ones (which would load from us) go.
 */
export function renderMessageHtml(html: string, opts: { remoteImages: boolean }): string {
  const { sanitizeHtml, baseOptions } = loadSanitizer();
  return sanitizeHtml(html, {
    ...baseOptions,
    ...(opts.remoteImages ? {} : { allowedSchemesByTag: { img: ["cid", "data"], a: LINK_SCHEMES } }),
    transformTags: {
      ...baseOptions.transformTags,
      img: (tagName, attribs) => {
        if (isInline(attribs.src) || (opts.remoteImages && isRemote(attribs.src))) return { tagName, attribs };
        const { src: _src, ...rest } = attribs;
        if (!isRemote(attribs.src)) return { tagName, attribs: rest };
        const { width, height, alt } = attribs;
        return {
          tagName,
          attribs: {
            src: PLACEHOLDER,
            title: "Remote image not loaded",
            alt: alt ? `[${alt}]` : "[remote image]",
            ...(width ? { width } : {}),
            ...(height ? { height } : {}),
          },
        };
      },
    },
  });
}

/** A message's text on one line, cut to max characters with an ellipsis. */
export function snippetOf(text: string, max = 140): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/** "Re: Re: Fwd: Booking" → "Booking", for a conversation's subject. */
export function baseSubject(subject: string | undefined): string | undefined {
  const s = subject?.replace(/^(\s*(re|fw|fwd|aw|sv|tr)\s*(\[\d+\])?\s*:\s*)+/i, "").trim();
  return s || undefined;
}

/** The subject of a reply: "Re: " added unless it is there already. */
export function replySubject(subject: string | undefined | null): string {
  const base = subject?.trim() || "";
  return /^re\s*:/i.test(base) ? base : `Re: ${base}`.trim();
}
