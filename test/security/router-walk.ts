// Lists every (method, path) the Express app answers, by walking its router stack
// (Express 5 / router 2: each layer keeps its `rawPath`; nested routers expose `.stack`).
import type express from "express";

export interface RouteEntry {
  method: string;
  path: string;
}

interface Layer {
  rawPath?: string | string[];
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const join = (base: string, path: string) => (base + (path === "/" ? "" : path)).replace(/\/{2,}/g, "/") || "/";

function walk(stack: Layer[], base: string, out: RouteEntry[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = ([] as string[]).concat(layer.route.path);
      for (const path of paths)
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== "_all") out.push({ method: method.toUpperCase(), path: join(base, path) });
      continue;
    }
    const nested = layer.handle?.stack;
    if (Array.isArray(nested)) {
      if (typeof layer.rawPath !== "string")
        throw new Error(`router mounted on a non-string path: ${String(layer.rawPath)}`);
      walk(nested, join(base, layer.rawPath), out);
    }
  }
}

/** Every route of the app, sorted and without duplicates. */
export function listRoutes(app: express.Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "", out);
  const unique = new Map(out.map((r) => [`${r.method} ${r.path}`, r]));
  return [...unique.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
