import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (where package.json, prisma/ and web/ live). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
