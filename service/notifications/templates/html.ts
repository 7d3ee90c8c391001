// HTML that cannot carry user text as markup: every value interpolated into `html\`…\`` is
// escaped unless it is itself the result of `html` (already safe). A customer's idea with
// <script> in it arrives as the words "<script>", never as an element.
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

type Part = SafeHtml | string | number | null | undefined | false | readonly Part[];

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return "";
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join("");
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Plain text with line breaks, as paragraphs (for multi-line user text such as the idea). */
export const paragraphs = (text: string): SafeHtml =>
  new SafeHtml(
    text
      .split(/\n{2,}/)
      .map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`)
      .join(""),
  );

/** The common frame: a heading, the body, and where to change notification settings. */
export function layout(title: string, body: SafeHtml, settingsUrl: string): string {
  return html`<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:560px;margin:auto"><h1 style="font-size:20px">${title}</h1>${body}<hr><p style="font-size:12px;color:#666">Choose which messages you get: <a href="${settingsUrl}">notification settings</a>.</p></body></html>`
    .value;
}
