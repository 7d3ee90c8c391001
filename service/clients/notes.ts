// The artist's private notes about a client: written, edited and deleted by that artist only,
// and read only through the artist's client record (never by the customer, never by another
// artist — a note id of someone else's answers 404 like an unknown id).
import type { AppContext } from "../context.ts";
import { conflict, HttpError, notFound } from "../http/errors.ts";
import { assertClient, noteView, type ClientNoteView } from "./record.ts";
import type { NoteBody } from "./schemas.ts";

/** Notes per client and artist: plenty for a person's history, a stop for a runaway script. */
export const NOTES_PER_CLIENT = 1_000;

/** Prisma's foreign key violation: the customer's account was deleted a moment ago. */
const isGoneCustomer = (err: unknown) =>
  typeof err === "object" && err !== null && (err as { code?: unknown }).code === "P2003";

const clientDeleted = () =>
  new HttpError(409, "CLIENT_DELETED", "This person deleted their account: notes about them can no longer be kept.");

export async function addNote(
  ctx: AppContext,
  artistId: string,
  customerId: string,
  input: NoteBody,
): Promise<ClientNoteView> {
  await assertClient(ctx, artistId, customerId);
  const [customer, count] = await Promise.all([
    ctx.db.user.findUnique({ where: { id: customerId }, select: { id: true } }),
    ctx.db.clientNote.count({ where: { artistId, customerId } }),
  ]);
  if (!customer) throw clientDeleted();
  if (count >= NOTES_PER_CLIENT)
    throw conflict(`This client already has ${NOTES_PER_CLIENT} notes: edit or delete one first.`, "TOO_MANY_NOTES");
  try {
    return noteView(await ctx.db.clientNote.create({ data: { artistId, customerId, body: input.body } }));
  } catch (err) {
    if (isGoneCustomer(err)) throw clientDeleted();
    throw err;
  }
}

async function ownNote(ctx: AppContext, artistId: string, customerId: string, noteId: string) {
  const note = await ctx.db.clientNote.findFirst({ where: { id: noteId, artistId, customerId } });
  if (!note) throw notFound("Note not found.");
  return note;
}

export async function updateNote(
  ctx: AppContext,
  artistId: string,
  customerId: string,
  noteId: string,
  input: NoteBody,
): Promise<ClientNoteView> {
  const note = await ownNote(ctx, artistId, customerId, noteId);
  return noteView(await ctx.db.clientNote.update({ where: { id: note.id }, data: { body: input.body } }));
}

export async function deleteNote(ctx: AppContext, artistId: string, customerId: string, noteId: string) {
  const note = await ownNote(ctx, artistId, customerId, noteId);
  await ctx.db.clientNote.delete({ where: { id: note.id } });
}
