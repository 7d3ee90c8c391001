// Keyset cursors of the artist search, opaque to clients: the sort key of the last row served
// plus a fingerprint of the query it belongs to (a cursor replayed against another query is a
// 400, not a silently wrong page).
//
// Distances are float8 keys. The cursor carries the exact double Postgres returned (JSON
// numbers round-trip a double exactly: JS prints the shortest string that parses back to the
// same value), and the next page compares against the very same SQL expression, so rows that
// tie on distance are split by id with nothing skipped or repeated.
import { createHash } from "node:crypto";
import { z } from "zod";
import { badRequest } from "../http/errors.ts";

export type SearchKey = { kind: "distance"; d: number; id: string } | { kind: "name"; name: string; id: string };

const shape = z.union([
  z.tuple([z.literal(1), z.string(), z.literal("d"), z.number().finite().min(0), z.uuid()]),
  z.tuple([z.literal(1), z.string(), z.literal("n"), z.string().max(200), z.uuid()]),
]);

export function queryFingerprint(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 12);
}

export function encodeSearchCursor(fingerprint: string, key: SearchKey): string {
  const body = key.kind === "distance" ? [1, fingerprint, "d", key.d, key.id] : [1, fingerprint, "n", key.name, key.id];
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

export function decodeSearchCursor(
  cursor: string | undefined,
  fingerprint: string,
  kind: SearchKey["kind"],
): SearchKey | undefined {
  if (!cursor) return undefined;
  let parsed: z.output<typeof shape> | undefined;
  try {
    parsed = shape.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed[1] !== fingerprint || (parsed[2] === "d") !== (kind === "distance"))
    throw badRequest("The cursor does not belong to this search; start again from the first page.", "INVALID_CURSOR");
  return parsed[2] === "d"
    ? { kind: "distance", d: parsed[3], id: parsed[4] }
    : { kind: "name", name: parsed[3], id: parsed[4] };
}
