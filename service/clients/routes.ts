// /api/clients — the artist's client records (service/clients/record.ts) and private notes
// (notes.ts). Artist accounts only; everything is scoped to the calling artist.
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { artistsOnly, requireUser } from "../http/auth-middleware.ts";
import { notFound } from "../http/errors.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { addNote, deleteNote, updateNote } from "./notes.ts";
import { clientRecord, listClients } from "./record.ts";
import { clientListQuery, noteBody } from "./schemas.ts";

/** A route id: anything but a uuid cannot name a client or note, so it is not found. */
const id = (v: unknown, what: string) => {
  const s = String(v);
  if (!z.uuid().safeParse(s).success) throw notFound(`${what} not found.`);
  return s;
};

export function clientRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser, artistsOnly("Client records are for artist accounts."));

  r.get("/", async (req, res) => {
    res.json(await listClients(ctx, req.user!.id, parse(clientListQuery, req.query)));
  });
  r.get("/:customerId", async (req, res) => {
    res.json(await clientRecord(ctx, req.user!.id, id(req.params.customerId, "Client")));
  });
  r.post("/:customerId/notes", requireJsonBody, async (req, res) => {
    const customerId = id(req.params.customerId, "Client");
    res.status(201).json(await addNote(ctx, req.user!.id, customerId, parse(noteBody, req.body)));
  });
  r.patch("/:customerId/notes/:noteId", requireJsonBody, async (req, res) => {
    const customerId = id(req.params.customerId, "Client");
    const noteId = id(req.params.noteId, "Note");
    res.json(await updateNote(ctx, req.user!.id, customerId, noteId, parse(noteBody, req.body)));
  });
  r.delete("/:customerId/notes/:noteId", async (req, res) => {
    await deleteNote(ctx, req.user!.id, id(req.params.customerId, "Client"), id(req.params.noteId, "Note"));
    res.status(204).end();
  });
  return r;
}
