// A database's schema as sorted text lines read from pg_catalog (no pg_dump needed): extensions,
// enums and domains, tables/views/sequences, columns (type, nullability, default, in order),
// indexes, constraints, functions and triggers of the public schema. Objects an extension owns
// (cube, earthdistance) count as the extension; Prisma's own _prisma_migrations is left out.
import type pg from "pg";

const notFromExtension = (oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = ${oid} AND d.deptype = 'e')`;
const ours = `n.nspname = 'public' AND c.relname <> '_prisma_migrations'`;

const QUERIES: Record<string, string> = {
  extension: `SELECT extname AS line FROM pg_extension WHERE extname <> 'plpgsql'`,
  type: `SELECT t.typname || ' ' || CASE t.typtype WHEN 'e' THEN
             '(' || (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
           ELSE 'domain ' || format_type(t.typbasetype, t.typtypmod) END AS line
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd') AND ${notFromExtension("t.oid")}`,
  relation: `SELECT c.relname || ' (' || c.relkind::text || ')' AS line
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE ${ours} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND ${notFromExtension("c.oid")}`,
  columns: `SELECT c.relname || ': ' || string_agg(
               a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
               || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
               || COALESCE(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''),
               ', ' ORDER BY a.attnum) AS line
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            WHERE ${ours} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
            GROUP BY c.relname`,
  index: `SELECT pg_get_indexdef(i.indexrelid) AS line
          FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE ${ours}`,
  constraint: `SELECT c.relname || '.' || k.conname || ': ' || pg_get_constraintdef(k.oid) AS line
               FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE ${ours}`,
  function: `SELECT pg_get_functiondef(p.oid) AS line
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND ${notFromExtension("p.oid")}`,
  trigger: `SELECT pg_get_triggerdef(t.oid) AS line
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE ${ours} AND NOT t.tgisinternal`,
};

/** The schema as sorted lines, e.g. `index CREATE UNIQUE INDEX "User_email_key" ON public."User" USING btree (email)`. */
export async function schemaCatalog(client: pg.Client): Promise<string[]> {
  const lines: string[] = [];
  for (const [kind, sql] of Object.entries(QUERIES)) {
    const { rows } = await client.query<{ line: string }>(sql);
    lines.push(...rows.map((r) => `${kind} ${r.line.replace(/\s+/g, " ").trim()}`));
  }
  return lines.sort();
}

/** What differs between two catalogs: `- line` only in the expected one, `+ line` only in the actual one. */
export function schemaDiff(expected: string[], actual: string[]): string[] {
  const want = new Set(expected),
    have = new Set(actual);
  return [
    ...expected.filter((l) => !have.has(l)).map((l) => `- ${l}`),
    ...actual.filter((l) => !want.has(l)).map((l) => `+ ${l}`),
  ];
}
