// Keyset cursors: (timestamp, id) of the last row served, opaque to clients.
import { z } from "zod";
import { badRequest } from "../http/errors.ts";

const shape = z.tuple([z.iso.datetime(), z.uuid()]);

/** An opaque page cursor for keyset pagination on (time, id). */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");
}

/** The (time, id) of a page cursor; a 400 when it is not one of ours. */
export function decodeCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const [at, id] = shape.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    return { at: new Date(at), id };
  } catch {
    throw badRequest("The cursor is not valid; start again from the first page.", "INVALID_CURSOR");
  }
}
