// Portfolio images: multipart uploads (in memory, bounded) checked by their bytes, stored in
// the blob store under portfolio/<artistId>/<imageId>, streamed back with safe headers.
import { randomUUID } from "node:crypto";
import type { RequestHandler, Response } from "express";
import multer from "multer";
import type { AppContext } from "../context.ts";
import { conflict, HttpError, notFound } from "../http/errors.ts";

/** Images a browser renders everywhere (HEIC does not: ask for a JPEG export instead). */
export const PORTFOLIO_IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"] as const;
export const PORTFOLIO_MAX_BYTES = 10 * 1024 * 1024;
export const PORTFOLIO_MAX_FILES_PER_UPLOAD = 10;
export const PORTFOLIO_MAX_IMAGES = 60;

const TYPES_TEXT = "JPEG, PNG, GIF or WebP";

/** The image type the bytes really are (the declared Content-Type is the client's claim). */
export function sniffImageType(b: Buffer): (typeof PORTFOLIO_IMAGE_TYPES)[number] | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "image/png";
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.subarray(0, 6).toString("latin1"))) return "image/gif";
  if (
    b.length >= 12 &&
    b.subarray(0, 4).toString("latin1") === "RIFF" &&
    b.subarray(8, 12).toString("latin1") === "WEBP"
  )
    return "image/webp";
  return undefined;
}

/** multer for POST …/portfolio: field "images" (1–10 files), optional "caption" text. 413/415 on misuse. */
export function portfolioUploads(maxBytes = PORTFOLIO_MAX_BYTES): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: PORTFOLIO_MAX_FILES_PER_UPLOAD, fields: 5, fieldSize: 4 * 1024 },
    fileFilter: (_req, file, cb) => {
      if ((PORTFOLIO_IMAGE_TYPES as readonly string[]).includes(file.mimetype.toLowerCase())) return cb(null, true);
      cb(
        new HttpError(
          415,
          "UNSUPPORTED_IMAGE_TYPE",
          `${file.originalname}: ${file.mimetype} is not accepted. Upload ${TYPES_TEXT} images.`,
        ),
      );
    },
  }).array("images", PORTFOLIO_MAX_FILES_PER_UPLOAD);

  return (req, res, next) => {
    if (!req.is("multipart/form-data"))
      return next(
        new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", 'Upload images as multipart/form-data in the field "images".'),
      );
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof HttpError) return next(err);
      const code = (err as { code?: string }).code;
      if (code === "LIMIT_FILE_SIZE")
        return next(
          new HttpError(413, "IMAGE_TOO_LARGE", `Each image must be at most ${Math.round(maxBytes / 1024 / 1024)} MB.`),
        );
      if (code === "LIMIT_FILE_COUNT")
        return next(
          new HttpError(413, "TOO_MANY_IMAGES", `Upload at most ${PORTFOLIO_MAX_FILES_PER_UPLOAD} images at once.`),
        );
      if (code === "LIMIT_UNEXPECTED_FILE")
        return next(new HttpError(400, "UNEXPECTED_FIELD", 'Send the images in the field "images".'));
      if (code === "LIMIT_FIELD_VALUE") return next(new HttpError(413, "CAPTION_TOO_LONG", "The caption is too long."));
      return next(
        new HttpError(400, "BAD_MULTIPART", `The upload could not be read (${code ?? "malformed multipart body"}).`),
      );
    });
  };
}

export interface NewImage {
  buffer: Buffer;
  originalname: string;
}

/**
 * Stores the files and appends them to the artist's portfolio in upload order. Bytes are
 * checked before anything is written; blobs go in first and are removed again if the rows
 * cannot be written, so a row never points at a missing blob.
 */
export async function addImages(ctx: AppContext, artistId: string, files: NewImage[], caption: string | null) {
  const typed = files.map((f) => {
    const contentType = sniffImageType(f.buffer);
    if (!contentType)
      throw new HttpError(
        415,
        "UNSUPPORTED_IMAGE_TYPE",
        `${f.originalname.slice(0, 100)}: the file is not a ${TYPES_TEXT} image.`,
      );
    return { ...f, contentType, id: randomUUID() };
  });
  const key = (id: string) => `portfolio/${artistId}/${id}`;
  await Promise.all(typed.map((f) => ctx.storage.put(key(f.id), f.buffer, f.contentType)));
  try {
    return await ctx.db.$transaction(async (tx) => {
      // Lock the profile row: concurrent uploads get consecutive positions and the cap holds.
      await tx.$queryRaw`SELECT 1 FROM "ArtistProfile" WHERE "userId" = ${artistId}::uuid FOR UPDATE`;
      const agg = await tx.portfolioImage.aggregate({ where: { artistId }, _count: true, _max: { position: true } });
      if (agg._count + typed.length > PORTFOLIO_MAX_IMAGES)
        throw conflict(
          `A portfolio holds at most ${PORTFOLIO_MAX_IMAGES} images; delete some first.`,
          "PORTFOLIO_FULL",
        );
      const start = (agg._max.position ?? -1) + 1;
      await tx.portfolioImage.createMany({
        data: typed.map((f, i) => ({
          id: f.id,
          artistId,
          storageKey: key(f.id),
          contentType: f.contentType,
          size: f.buffer.length,
          caption,
          position: start + i,
        })),
      });
      return tx.portfolioImage.findMany({
        where: { id: { in: typed.map((f) => f.id) } },
        orderBy: { position: "asc" },
      });
    });
  } catch (err) {
    await Promise.all(typed.map((f) => ctx.storage.delete(key(f.id)).catch(() => undefined)));
    throw err;
  }
}

export async function deleteImage(ctx: AppContext, artistId: string, imageId: string): Promise<void> {
  const img = await ctx.db.portfolioImage.findFirst({ where: { id: imageId, artistId } });
  if (!img) throw notFound("Image not found.");
  // deleteMany: a concurrent delete of the same image makes this one a 404, not an error.
  const { count } = await ctx.db.portfolioImage.deleteMany({ where: { id: img.id, artistId } });
  if (!count) throw notFound("Image not found.");
  // After the row is gone nobody can reach the blob; a failed delete only leaves an orphan.
  await ctx.storage
    .delete(img.storageKey)
    .catch((err) => ctx.log.warn({ err: (err as Error).message, imageId }, "portfolio blob delete failed"));
}

/** New order = exactly the artist's current image ids, each once. */
export async function reorderImages(ctx: AppContext, artistId: string, ids: string[]): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "ArtistProfile" WHERE "userId" = ${artistId}::uuid FOR UPDATE`;
    const current = await tx.portfolioImage.findMany({ where: { artistId }, select: { id: true } });
    const have = new Set(current.map((i) => i.id));
    if (new Set(ids).size !== ids.length || ids.length !== have.size || !ids.every((id) => have.has(id)))
      throw new HttpError(400, "VALIDATION_FAILED", "Some fields need attention.", {
        fields: { ids: "List every image of your portfolio exactly once." },
      });
    // One statement: positions follow the array order.
    if (ids.length)
      await tx.$executeRaw`UPDATE "PortfolioImage" p SET position = o.ord - 1
        FROM unnest(${ids}::uuid[]) WITH ORDINALITY AS o(id, ord) WHERE p.id = o.id AND p."artistId" = ${artistId}::uuid`;
  });
}

/** Streams an image; the bytes were checked at upload, the type is ours, not the uploader's. */
export async function streamImage(
  ctx: AppContext,
  res: Response,
  img: { id: string; storageKey: string; contentType: string; size: number },
  cache: "public" | "private",
) {
  const stream = await ctx.storage.get(img.storageKey);
  if (!stream) throw notFound("The image file is missing from storage.");
  res.set({
    "Content-Type": img.contentType,
    "Content-Length": String(img.size),
    "Content-Disposition": "inline",
    // Image ids are never reused and images are never edited in place, but an artist can
    // hide their profile or delete an image: keep shared caches short.
    "Cache-Control": cache === "public" ? "public, max-age=300" : "private, max-age=300",
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; sandbox",
    ETag: `"${img.id}"`,
  });
  stream.on("error", (err) => {
    ctx.log.warn({ err: err.message, imageId: img.id }, "portfolio stream failed");
    res.destroy(err);
  });
  stream.pipe(res);
}
