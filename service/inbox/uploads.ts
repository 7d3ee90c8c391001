// Reply attachments: multipart/form-data through multer (in memory, bounded), with clear
// 413/415 answers. Tattoo work is mostly images; documents a customer may need are allowed.
import type { RequestHandler } from "express";
import multer from "multer";
import { HttpError } from "../http/errors.ts";
import type { UploadedFile } from "./send.ts";

export const ALLOWED_UPLOAD_TYPES = [
  "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif",
  "application/pdf", "text/plain",
];
export const MAX_FILES = 10;

export function replyUploads(maxBytes: number): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: maxBytes, files: MAX_FILES, fields: 10, fieldSize: 256 * 1024 },
    fileFilter: (_req, file, cb) => {
      if (ALLOWED_UPLOAD_TYPES.includes(file.mimetype.toLowerCase())) return cb(null, true);
      cb(new HttpError(415, "UNSUPPORTED_ATTACHMENT_TYPE", `${file.originalname}: files of type ${file.mimetype} cannot be attached. Allowed: images (JPEG, PNG, GIF, WebP, HEIC), PDF and plain text.`));
    },
  }).array("files", MAX_FILES);

  return (req, res, next) => {
    if (!req.is("multipart/form-data")) return next();
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof HttpError) return next(err);
      const code = (err as { code?: string }).code;
      if (code === "LIMIT_FILE_SIZE") return next(new HttpError(413, "ATTACHMENT_TOO_LARGE", `Each attachment must be at most ${Math.round(maxBytes / 1024 / 1024)} MB.`));
      if (code === "LIMIT_FILE_COUNT") return next(new HttpError(413, "TOO_MANY_ATTACHMENTS", `Attach at most ${MAX_FILES} files per reply.`));
      if (code === "LIMIT_FIELD_VALUE") return next(new HttpError(413, "TEXT_TOO_LONG", "The reply text is too long."));
      return next(new HttpError(400, "BAD_MULTIPART", `The upload could not be read (${code ?? "malformed multipart body"}).`));
    });
  };
}

export function uploadedFiles(files: unknown): UploadedFile[] {
  return ((files as Express.Multer.File[] | undefined) ?? []).map((f) => ({
    filename: f.originalname.replace(/[\r\n"\\/]/g, "_").slice(0, 200) || "attachment",
    contentType: f.mimetype.toLowerCase(),
    content: f.buffer,
  }));
}
