// Uploads (reply attachments, booking references): multipart/form-data streamed straight into
// the blob store (disk or S3) through a multer storage engine — never held in memory. Caps:
// ATTACHMENT_MAX_MB per file, UPLOAD_REQUEST_MAX_MB per request, UPLOAD_QUOTA_MB per user; over
// any of them the answer is a 413 with a message and nothing of the upload is kept. Everything
// that can refuse without the body (who asks, for what, Content-Length, quota) runs first:
// `beforeBody` answers at once and does not read a refused body beyond a short linger.
import { createHash, randomUUID } from "node:crypto";
import { Transform } from "node:stream";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import multer from "multer";
import type { AppContext } from "../context.ts";
import { HttpError } from "../http/errors.ts";
import {
  quotaBytes,
  quotaExceeded,
  releaseUploadBytes,
  reserveUploadBytes,
  usedUploadBytes,
} from "../storage/quota.ts";

export const ALLOWED_UPLOAD_TYPES = [
  "image/jpeg",
  "image/png",
  "image/gif",
  "image/webp",
  "image/heic",
  "image/heif",
  "application/pdf",
  "text/plain",
];
export const MAX_FILES = 10;
const MAX_FIELDS = 10;
const MAX_FIELD_BYTES = 256 * 1024;
/** Room in Content-Length for the text fields and the multipart framing around the files. */
const FORM_OVERHEAD_BYTES = MAX_FIELDS * MAX_FIELD_BYTES + 64 * 1024;
const MB = 1024 * 1024;

/** A file already in the blob store, not yet recorded anywhere (see withStoredUploads). */
export interface StoredUpload {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  storageKey: string;
}

/** Per-file and per-request upload limits in bytes (ATTACHMENT_MAX_MB, UPLOAD_REQUEST_MAX_MB). */
export const uploadLimits = (ctx: AppContext) => ({
  fileBytes: (ctx.config.env.ATTACHMENT_MAX_MB ?? 25) * MB,
  requestBytes: (ctx.config.env.UPLOAD_REQUEST_MAX_MB ?? 25) * MB,
});

const tooLarge = (ctx: AppContext) =>
  new HttpError(
    413,
    "UPLOAD_TOO_LARGE",
    `One upload may carry at most ${ctx.config.env.UPLOAD_REQUEST_MAX_MB ?? 25} MB of files in total. Send fewer or smaller files.`,
  );
const fileTooLarge = (ctx: AppContext) =>
  new HttpError(
    413,
    "ATTACHMENT_TOO_LARGE",
    `Each attachment must be at most ${ctx.config.env.ATTACHMENT_MAX_MB ?? 25} MB.`,
  );

/** How long a refused body may keep coming (read and dropped) before the socket is closed. */
const LINGER_MS = 5_000;

/**
 * Wraps checks that must run before the body is read. When one refuses, the answer goes out at
 * once; the rest of the body is read and dropped for at most LINGER_MS (so the client can still
 * read the answer — closing right away would reset the connection under its unread response),
 * then the socket is closed: a refused 100 MB body is neither stored nor read to the end.
 */
export function beforeBody(
  check: (req: Request) => Promise<void>,
): (req: Request, res: Response, next: NextFunction) => Promise<void> {
  return async (req, res, next) => {
    try {
      await check(req);
    } catch (err) {
      if (!req.readableEnded) lingerThenClose(req, res);
      throw err;
    }
    next();
  };
}

function lingerThenClose(req: Request, res: Response): void {
  res.once("finish", () => {
    if (req.readableEnded) return;
    req.resume();
    const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
    timer.unref();
    req.once("end", () => clearTimeout(timer));
    req.once("close", () => clearTimeout(timer));
  });
}

interface Budget {
  limit: number;
  quotaBound: boolean;
  used: number;
  bytes: number;
}
const budgets = new WeakMap<Request, Budget>();

/** Streams each file through a byte counter + SHA-256 into the blob store under a fresh key. */
function blobStorage(ctx: AppContext): multer.StorageEngine {
  return {
    _handleFile(req, file, cb) {
      const budget = budgets.get(req)!;
      const storageKey = `${req.user!.id}/uploads/${randomUUID()}`;
      const hash = createHash("sha256");
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          budget.bytes += chunk.length;
          if (budget.bytes > budget.limit)
            return done(budget.quotaBound ? quotaExceeded(ctx, budget.used) : tooLarge(ctx));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      // A truncated file (over ATTACHMENT_MAX_MB) or a client that went away must not be kept.
      file.stream.once("limit", () => meter.destroy(fileTooLarge(ctx)));
      file.stream.once("error", (err) => meter.destroy(err));
      req.once("close", () => {
        if (!req.readableEnded) meter.destroy(new Error("The upload was aborted by the client."));
      });
      ctx.storage.putStream(storageKey, file.stream.pipe(meter), file.mimetype.toLowerCase()).then(
        () => cb(null, { size, storageKey, sha256: hash.digest("hex") } as Partial<Express.Multer.File>),
        (err: unknown) => cb(err),
      );
    },
    _removeFile(_req, file, cb) {
      const key = (file as Partial<StoredUpload>).storageKey;
      if (!key) return cb(null);
      ctx.storage.delete(key).then(
        () => cb(null),
        (err: Error) => cb(err),
      );
    },
  };
}

/**
 * The upload itself. `beforeFirstFile` runs once, when the first file starts (the form's text
 * fields before it are in req.body): a request that will be refused stores nothing.
 */
export function streamUploads(
  ctx: AppContext,
  opts: { beforeFirstFile?: (req: Request) => Promise<void> } = {},
): RequestHandler {
  const limits = uploadLimits(ctx);
  const upload = multer({
    storage: blobStorage(ctx),
    limits: {
      fileSize: limits.fileBytes,
      files: MAX_FILES,
      fields: MAX_FIELDS,
      fieldSize: MAX_FIELD_BYTES,
      parts: MAX_FILES + MAX_FIELDS,
    },
    fileFilter: (req, file, cb) => {
      if (!ALLOWED_UPLOAD_TYPES.includes(file.mimetype.toLowerCase()))
        return cb(
          new HttpError(
            415,
            "UNSUPPORTED_ATTACHMENT_TYPE",
            `${file.originalname}: files of type ${file.mimetype} cannot be attached. Allowed: images (JPEG, PNG, GIF, WebP, HEIC), PDF and plain text.`,
          ),
        );
      if (!opts.beforeFirstFile) return cb(null, true);
      const first = firstFileChecks.get(req) ?? opts.beforeFirstFile(req);
      firstFileChecks.set(req, first);
      first.then(
        () => cb(null, true),
        (err: Error) => cb(err),
      );
    },
  }).array("files", MAX_FILES);

  /** Quota and declared size, before a byte of the body is read. */
  async function preflight(req: Request): Promise<void> {
    const used = await usedUploadBytes(ctx, req.user!.id);
    const remaining = quotaBytes(ctx) - used;
    if (remaining <= 0) throw quotaExceeded(ctx, used);
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (declared > limits.requestBytes + FORM_OVERHEAD_BYTES) throw tooLarge(ctx);
    if (declared > remaining + FORM_OVERHEAD_BYTES) throw quotaExceeded(ctx, used);
    budgets.set(req, {
      limit: Math.min(limits.requestBytes, remaining),
      quotaBound: remaining < limits.requestBytes,
      used,
      bytes: 0,
    });
  }

  return async (req, res, next) => {
    if (!req.is("multipart/form-data")) return next();
    await beforeBody(preflight)(req, res, () => undefined);
    upload(req, res, (err: unknown) => {
      if (!err) return next();
      if (err instanceof HttpError) return next(err);
      const code = (err as { code?: string }).code;
      if (code === "LIMIT_FILE_SIZE") return next(fileTooLarge(ctx));
      if (code === "LIMIT_FILE_COUNT")
        return next(new HttpError(413, "TOO_MANY_ATTACHMENTS", `Attach at most ${MAX_FILES} files at once.`));
      if (code === "LIMIT_FIELD_VALUE") return next(new HttpError(413, "TEXT_TOO_LONG", "The text is too long."));
      if (code === "LIMIT_PART_COUNT" || code === "LIMIT_FIELD_COUNT")
        return next(new HttpError(413, "TOO_MANY_PARTS", "The form has too many parts."));
      return next(
        new HttpError(400, "BAD_MULTIPART", `The upload could not be read (${code ?? "malformed multipart body"}).`),
      );
    });
  };
}
const firstFileChecks = new WeakMap<Request, Promise<void>>();

/** The stored files of a multipart request, with file names made safe for headers. */
export function uploadedFiles(files: unknown): StoredUpload[] {
  return ((files as (Express.Multer.File & StoredUpload)[] | undefined) ?? []).map((f) => ({
    filename: f.originalname.replace(/[\r\n"\\/]/g, "_").slice(0, 200) || "attachment",
    contentType: f.mimetype.toLowerCase(),
    size: f.size,
    sha256: f.sha256,
    storageKey: f.storageKey,
  }));
}

/**
 * Records stored uploads: counts them against the user's quota (atomically), then runs `record`.
 * If either refuses, the bytes are given back and the blobs deleted — nothing partial is kept.
 */
export async function withStoredUploads<T>(
  ctx: AppContext,
  userId: string,
  files: StoredUpload[],
  record: () => Promise<T>,
): Promise<T> {
  const total = files.reduce((n, f) => n + f.size, 0);
  let reserved = false;
  try {
    await reserveUploadBytes(ctx, userId, total);
    reserved = true;
    return await record();
  } catch (err) {
    if (reserved) await releaseUploadBytes(ctx, userId, total).catch(() => undefined);
    await Promise.all(
      files.map((f) =>
        ctx.storage
          .delete(f.storageKey)
          .catch((e: Error) =>
            ctx.log.warn({ err: e.message, key: f.storageKey }, "could not delete a refused upload"),
          ),
      ),
    );
    throw err;
  }
}
