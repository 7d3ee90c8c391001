// The client record API's input (service/clients), shared with the web pages so a note is
// checked with the same words in the browser as in the API.
import { z } from "zod";

/** A private note's text: what the artist wants to remember about the person. */
export const NOTE_MAX = 5_000;
export const noteBody = z.strictObject({
  body: z
    .string("Write the note.")
    .trim()
    .min(1, "Write the note.")
    .max(NOTE_MAX, `Keep a note under ${NOTE_MAX.toLocaleString("en")} characters.`),
});
export type NoteBody = z.output<typeof noteBody>;

/** GET /api/clients: newest activity first, searched by name or email, keyset-paged. */
export const clientListQuery = z.strictObject({
  q: z.string().trim().max(100, "Search for at most 100 characters.").optional(),
  limit: z.coerce
    .number("Use a number of clients per page.")
    .int("Use a whole number.")
    .min(1, "At least 1.")
    .max(100, "At most 100 per page.")
    .default(50),
  cursor: z.string().max(200, "The cursor is not valid; start again from the first page.").optional(),
});
