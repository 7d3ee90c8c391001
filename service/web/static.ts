// Serves the web app: the built SPA (web/dist, made by `npm run build:web`; `npm start` builds it
// when missing or stale). Every non-API GET falls back to index.html (client-side routing).
// Without a build, pages answer 503 with the one command that fixes it.
import fs from "node:fs";
import path from "node:path";
import express, { Router } from "express";
import { notFoundHandler } from "../http/errors.ts";
import { repoRoot } from "../paths.ts";

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tatu</title></head>
<body><main><h1>Tatu</h1><p>The web app has not been built yet. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it) and reload.</p></main></body></html>`;

export function webRoutes(): Router {
  const dist = path.join(repoRoot, "web/dist");
  const index = path.join(dist, "index.html");
  const r = Router();
  // Hashed asset names never change content: cache them for long; index.html is never cached.
  r.use(
    "/assets",
    express.static(path.join(dist, "assets"), { index: false, immutable: true, maxAge: "1y" }),
    notFoundHandler,
  );
  r.use(express.static(dist, { index: false, maxAge: "1h" }));
  r.get(/^(?!\/api\/|\/ws$).*/, (_req, res) => {
    res.set("Cache-Control", "no-cache");
    // Checked per request so a build made after boot is picked up without a restart.
    if (fs.existsSync(index)) res.sendFile(index);
    else res.status(503).type("html").send(NOT_BUILT);
  });
  return r;
}
