// GET /api/providers: every provider the server knows, with what the web app needs to show it
// (label, kind, letter mark, short name). Public facts: the same for every visitor.
import { Router } from "express";
import { allCalendarProviders, allChannelProviders } from "../providers/registry.ts";
import { TATU_LABEL, TATU_PROVIDER } from "../threads/channel.ts";

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
  // The built-in Tatu bookings channel: no provider, but the inbox names and marks it too.
  list.push({ id: TATU_PROVIDER, label: TATU_LABEL, kind: "channel", mark: "T", shortName: "Tatu" });
  r.get("/", (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").json({ items: list });
  });
  return r;
}
