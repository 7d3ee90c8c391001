// A runbook's front matter: the `---` block at the top of its Markdown, read as `key: value`
// lines (a value may be a comma list, or a YAML-style `- item` list under the key). GitHub
// renders it as a table, so the launch's settings stay visible in the runbook itself.

export type FrontMatter = Record<string, string | string[]>;

/** The front matter of a Markdown text ({} when it has none). */
export function frontMatter(markdown: string): FrontMatter {
  const lines = markdown.split(/\r?\n/);
  if (lines[0]?.trim() !== "---") return {};
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === "---");
  if (end < 0) return {};
  const out: FrontMatter = {};
  let listKey: string | undefined;
  for (const raw of lines.slice(1, end)) {
    const line = raw.replace(/\s+#.*$/, "").trimEnd();
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const item = /^\s+-\s+(.+)$/.exec(line);
    if (item && listKey) {
      (out[listKey] as string[]).push(unquote(item[1]!));
      continue;
    }
    const kv = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (!kv) continue;
    const [, key, value] = kv as unknown as [string, string, string];
    if (!value) {
      listKey = key;
      out[key] = [];
    } else {
      listKey = undefined;
      out[key] = /^\[.*\]$/.test(value)
        ? splitList(value.slice(1, -1))
        : value.includes(",")
          ? splitList(value)
          : unquote(value);
    }
  }
  return out;
}

const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, "$2");
const splitList = (v: string) => v.split(",").map(unquote).filter(Boolean);
