// Public artist directory: GET /api/artists (map/search), GET /api/artists/:id (profile) and
// GET /api/artists/:id/portfolio/:imageId (image bytes). Only visible artists of verified
// accounts exist here; anything else — hidden, unverified, malformed id — is the same 404.
// Exact studio coordinates never leave this router: only the rounded public point does.
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { notFound } from "../http/errors.ts";
import { parse } from "../http/validate.ts";
import { streamImage } from "./portfolio.ts";
import { publicDirectoryLimit } from "./rate-limit.ts";
import { loadPublicProfile } from "./profile.ts";
import { searchQuery } from "./schemas.ts";
import { searchArtists } from "./search.ts";

const isUuid = (v: string) => z.uuid().safeParse(v).success;

export function artistRoutes(ctx: AppContext): Router {
  const r = Router();
  // Per client IP, over search, profiles and portfolio images alike: the directory is public.
  r.use(publicDirectoryLimit(ctx));

  r.get("/", async (req, res) => {
    const q = parse(searchQuery, req.query);
    res.set("Cache-Control", "no-store").json(await searchArtists(ctx, q));
  });

  r.get("/:id", async (req, res) => {
    const id = String(req.params.id);
    const profile = isUuid(id) ? await loadPublicProfile(ctx, id) : undefined;
    if (!profile) throw notFound("Artist not found.");
    res.json(profile);
  });

  r.get("/:id/portfolio/:imageId", async (req, res) => {
    const id = String(req.params.id),
      imageId = String(req.params.imageId);
    const img =
      isUuid(id) && isUuid(imageId)
        ? await ctx.db.portfolioImage.findFirst({
            where: {
              id: imageId,
              artistId: id,
              artist: {
                visible: true,
                publicLat: { not: null },
                publicLng: { not: null },
                user: { emailVerifiedAt: { not: null } },
              },
            },
          })
        : null;
    if (!img) throw notFound("Image not found.");
    await streamImage(ctx, res, img, "public");
  });

  return r;
}
