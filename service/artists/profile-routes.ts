// /api/me/artist-profile — the signed-in artist's own profile, portfolio and services.
// Artist accounts only: a customer gets a 403 that says why.
import { Router } from "express";
import { z } from "zod";
import type { AppContext } from "../context.ts";
import { HttpError, notFound } from "../http/errors.ts";
import { artistsOnly, requireUser } from "../http/auth-middleware.ts";
import { parse, requireJsonBody } from "../http/validate.ts";
import { addImages, deleteImage, portfolioUploads, reorderImages, streamImage } from "./portfolio.ts";
import { loadOwnProfile, ownImageUrl, ownProfileView, saveProfile, serviceView } from "./profile.ts";
import { captionBody, profileBody, reorderBody, serviceBody } from "./schemas.ts";
import { portfolioImageUrl } from "./search.ts";

const isUuid = (v: string) => z.uuid().safeParse(v).success;

const requireArtist = artistsOnly(
  "Only artist accounts have an artist profile. Sign up as an artist to get listed on the map.",
);

const profileRequired = () =>
  new HttpError(409, "PROFILE_REQUIRED", "Create your artist profile first (PUT /api/me/artist-profile).");

export function artistProfileRoutes(ctx: AppContext): Router {
  const r = Router();
  r.use(requireUser, requireArtist);

  /** The caller's profile row or a 409: portfolio and services hang off the profile. */
  const ownProfileId = async (userId: string) => {
    const p = await ctx.db.artistProfile.findUnique({ where: { userId }, select: { userId: true } });
    if (!p) throw profileRequired();
    return p.userId;
  };

  r.get("/", async (req, res) => {
    const p = await loadOwnProfile(ctx, req.user!.id);
    if (!p) throw new HttpError(404, "PROFILE_NOT_FOUND", "You have not created your artist profile yet.");
    res.json(ownProfileView(p));
  });

  r.put("/", requireJsonBody, async (req, res) => {
    const input = parse(profileBody, req.body);
    const { created } = await saveProfile(ctx, req.user!.id, input);
    res.status(created ? 201 : 200).json(ownProfileView((await loadOwnProfile(ctx, req.user!.id))!));
  });

  // ---- portfolio ----

  r.post("/portfolio", portfolioUploads(), async (req, res) => {
    const artistId = await ownProfileId(req.user!.id);
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    if (!files.length)
      throw new HttpError(400, "VALIDATION_FAILED", "Some fields need attention.", {
        fields: { images: 'Attach at least one image in the field "images".' },
      });
    const { caption } = parse(captionBody, {
      caption: typeof req.body?.caption === "string" ? req.body.caption : undefined,
    });
    const images = await addImages(ctx, artistId, files, caption);
    res.status(201).json({
      images: images.map((i) => ({
        id: i.id,
        url: ownImageUrl(i.id),
        publicUrl: portfolioImageUrl(artistId, i.id),
        contentType: i.contentType,
        size: i.size,
        caption: i.caption,
        position: i.position,
      })),
    });
  });

  r.put("/portfolio/order", requireJsonBody, async (req, res) => {
    const artistId = await ownProfileId(req.user!.id);
    const { ids } = parse(reorderBody, req.body);
    await reorderImages(ctx, artistId, ids);
    res.json({ ids });
  });

  const ownImage = async (userId: string, id: string) => {
    const img = isUuid(id) ? await ctx.db.portfolioImage.findFirst({ where: { id, artistId: userId } }) : null;
    if (!img) throw notFound("Image not found.");
    return img;
  };

  // The owner sees their images whether or not the profile is public yet.
  r.get("/portfolio/:id", async (req, res) => {
    await streamImage(ctx, res, await ownImage(req.user!.id, String(req.params.id)), "private");
  });

  r.patch("/portfolio/:id", requireJsonBody, async (req, res) => {
    const img = await ownImage(req.user!.id, String(req.params.id));
    const { caption } = parse(captionBody, req.body);
    await ctx.db.portfolioImage.update({ where: { id: img.id }, data: { caption } });
    res.json({ id: img.id, caption });
  });

  r.delete("/portfolio/:id", async (req, res) => {
    const id = String(req.params.id);
    if (!isUuid(id)) throw notFound("Image not found.");
    await deleteImage(ctx, req.user!.id, id);
    res.status(204).end();
  });

  // ---- services ----

  r.get("/services", async (req, res) => {
    const artistId = await ownProfileId(req.user!.id);
    const list = await ctx.db.service.findMany({ where: { artistId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
    res.json({ services: list.map(serviceView) });
  });

  r.post("/services", requireJsonBody, async (req, res) => {
    const artistId = await ownProfileId(req.user!.id);
    const s = await ctx.db.service.create({ data: { artistId, ...parse(serviceBody, req.body) } });
    res.status(201).json(serviceView(s));
  });

  const ownService = async (userId: string, id: string) => {
    const s = isUuid(id) ? await ctx.db.service.findFirst({ where: { id, artistId: userId } }) : null;
    if (!s) throw notFound("Service not found.");
    return s;
  };

  r.put("/services/:id", requireJsonBody, async (req, res) => {
    const s = await ownService(req.user!.id, String(req.params.id));
    const updated = await ctx.db.service.update({ where: { id: s.id }, data: parse(serviceBody, req.body) });
    res.json(serviceView(updated));
  });

  // Bookings keep pointing at a service by id, so "delete" retires it (hidden from customers,
  // no new bookings) rather than erasing what past appointments were for.
  r.delete("/services/:id", async (req, res) => {
    const s = await ownService(req.user!.id, String(req.params.id));
    const updated = await ctx.db.service.update({ where: { id: s.id }, data: { active: false } });
    res.json(serviceView(updated));
  });

  return r;
}
