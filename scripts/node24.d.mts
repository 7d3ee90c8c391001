// Types for scripts/node24.mjs (imported by bench/start.ts).
export interface Node24 {
  path: string;
  version: string;
}
export function findNode24(): Node24 | undefined;
export function ensureNode24(): Node24;
