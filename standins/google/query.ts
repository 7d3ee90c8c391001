// The subset of Gmail search syntax (`q`) the stand-in understands: after:/before: (epoch
// seconds or YYYY/MM/DD), newer_than:/older_than:, in:, label:, is:, from:/to:/cc:/subject:,
// has:attachment, free words, `-` negation, `{a b}` (any of), `(a b)` (all of) and OR.

export interface Searchable {
  labelIds: string[];
  internalDate: number;
  from: string;
  to: string;
  cc: string;
  subject: string;
  text: string;
  hasAttachment: boolean;
}

type Node =
  | { kind: "term"; key: string; value: string }
  | { kind: "not"; node: Node }
  | { kind: "and" | "or"; nodes: Node[] };

function tokenize(q: string): string[] {
  const out: string[] = [];
  const re = /\s*(\{|\}|\(|\)|-?[a-zA-Z_]+:"[^"]*"|"[^"]*"|[^\s{}()]+)/g;
  for (let m = re.exec(q); m; m = re.exec(q)) out.push(m[1]!);
  return out;
}

function parse(tokens: string[]): Node {
  let i = 0;
  const seq = (close?: string): Node[] => {
    const items: Node[] = [];
    while (i < tokens.length && tokens[i] !== close) {
      let node = item();
      while (tokens[i] === "OR") {
        i++;
        const right = item();
        node = { kind: "or", nodes: [node, right] };
      }
      items.push(node);
    }
    if (close) i++;
    return items;
  };
  const item = (): Node => {
    const t = tokens[i++] ?? "";
    if (t === "{") return { kind: "or", nodes: seq("}") };
    if (t === "(") return { kind: "and", nodes: seq(")") };
    if (t.startsWith("-") && t.length > 1) {
      tokens[--i] = t.slice(1);
      return { kind: "not", node: item() };
    }
    const m = /^([a-zA-Z_]+):(.*)$/.exec(t);
    const unquote = (s: string) => s.replace(/^"(.*)"$/, "$1");
    return m
      ? { kind: "term", key: m[1]!.toLowerCase(), value: unquote(m[2]!) }
      : { kind: "term", key: "", value: unquote(t) };
  };
  return { kind: "and", nodes: seq() };
}

function dateMs(v: string): number {
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(v);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
}

function ageMs(v: string): number {
  const m = /^(\d+)([dmy])$/.exec(v);
  if (!m) return NaN;
  return Number(m[1]) * { d: 86_400_000, m: 30 * 86_400_000, y: 365 * 86_400_000 }[m[2] as "d" | "m" | "y"];
}

const inLabels: Record<string, string> = {
  inbox: "INBOX",
  sent: "SENT",
  spam: "SPAM",
  trash: "TRASH",
  drafts: "DRAFT",
  draft: "DRAFT",
  chats: "CHAT",
  starred: "STARRED",
  important: "IMPORTANT",
};

function test(node: Node, m: Searchable, now: number): boolean {
  switch (node.kind) {
    case "and":
      return node.nodes.every((n) => test(n, m, now));
    case "or":
      return node.nodes.some((n) => test(n, m, now));
    case "not":
      return !test(node.node, m, now);
  }
  const v = node.value.toLowerCase();
  const has = (s: string) => s.toLowerCase().includes(v);
  switch (node.key) {
    case "after":
      return m.internalDate >= dateMs(node.value);
    case "before":
      return m.internalDate < dateMs(node.value);
    case "newer_than":
      return m.internalDate >= now - ageMs(v);
    case "older_than":
      return m.internalDate < now - ageMs(v);
    case "in":
      return v === "anywhere" || m.labelIds.includes(inLabels[v] ?? v.toUpperCase());
    case "label":
      return m.labelIds.some((l) => l.toLowerCase() === v);
    case "is":
      if (v === "unread") return m.labelIds.includes("UNREAD");
      if (v === "read") return !m.labelIds.includes("UNREAD");
      return m.labelIds.includes(v.toUpperCase());
    case "from":
      return has(m.from);
    case "to":
      return has(m.to);
    case "cc":
      return has(m.cc);
    case "subject":
      return has(m.subject);
    case "has":
      return v === "attachment" ? m.hasAttachment : false;
    default:
      return has(m.subject) || has(m.text) || has(m.from);
  }
}

/** A predicate for `q`; `spamTrash` is true when the query itself asks for spam/trash. */
export function compileQuery(q: string | undefined): { match: (m: Searchable) => boolean; spamTrash: boolean } {
  if (!q?.trim()) return { match: () => true, spamTrash: false };
  const tree = parse(tokenize(q));
  const now = Date.now();
  return { match: (m) => test(tree, m, now), spamTrash: /\bin:(spam|trash|anywhere)\b/i.test(q) };
}
