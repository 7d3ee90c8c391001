// Local-disk blob store under TATU_DATA_DIR/attachments. Writes go to a temp file first and
// are renamed into place, so a crash never leaves a half-written attachment under its key.
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { BlobStore } from "./types.ts";

export function createLocalStore(root: string): BlobStore {
  // Every "/"-separated segment must be a plain name: no empty segments (leading, trailing or
  // doubled "/"), no "." or "..". "." used to resolve to the root itself, so the temp file landed
  // next to the store, outside it.
  const resolve = (key: string) => {
    const segments = key.split("/");
    if (!segments.every((s) => /^[a-zA-Z0-9_.-]+$/.test(s) && s !== "." && !s.includes("..")))
      throw new Error("Invalid storage key");
    return path.join(root, ...segments);
  };
  return {
    kind: "local",
    async put(key, body) {
      const file = resolve(key);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${randomUUID()}.tmp`;
      try {
        await fs.promises.writeFile(tmp, body);
        await fs.promises.rename(tmp, file);
      } catch (err) {
        await fs.promises.rm(tmp, { force: true });
        throw err;
      }
    },
    async putStream(key, body) {
      const file = resolve(key);
      // The upload may fail while the folder is being made: without a listener until pipeline()
      // takes over, that 'error' would crash the process (pipeline still sees the stream errored).
      const early = () => undefined;
      body.on("error", early);
      try {
        await fs.promises.mkdir(path.dirname(file), { recursive: true });
      } finally {
        body.off("error", early);
      }
      const tmp = `${file}.${randomUUID()}.tmp`;
      try {
        await pipeline(body, fs.createWriteStream(tmp));
        await fs.promises.rename(tmp, file);
      } catch (err) {
        await fs.promises.rm(tmp, { force: true });
        throw err;
      }
    },
    async get(key) {
      const file = resolve(key);
      // Only "not there" means missing (a key naming a directory — a prefix of other keys — is
      // missing too, as on S3); any other disk error must surface, not pass for a missing file.
      const stat = await fs.promises.stat(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT" || err.code === "ENOTDIR") return undefined;
        throw err;
      });
      if (!stat?.isFile()) return undefined;
      return fs.createReadStream(file) as Readable;
    },
    async delete(key) {
      await fs.promises.rm(resolve(key), { force: true });
    },
  };
}
