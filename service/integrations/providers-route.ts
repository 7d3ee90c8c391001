// GET /api/providers: every provider the server knows, with what the web app needs to show it
// (label, kind, letter mark, short name). Public facts: the same for every visitor.
import { Router } from "express";
import { allCalendarProviders, allChannelProviders } from "../providers/registry.ts";

/** GET /api/providers: id, label, kind and UI mark of every provider, from the registry. */
export function providersRoute(): Router {
  const r = Router();
  const list = [...allChannelProviders(), ...allCalendarProviders()].map((p) => ({
    id: p.id,
    label: p.label,
    kind: p.kind,
    mark: p.ui?.mark,
    shortName: p.ui?.shortName ?? p.label,
  }));
  r.get("/", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").json({ items: list });
  });
  return r;
}
