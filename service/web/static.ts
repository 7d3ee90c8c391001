// Serves the web app: the built SPA (web/dist) when present, else the no-build pages in
// web/public. Every non-API GET falls back to index.html (client-side routing).
import fs from "node:fs";
import path from "node:path";
import express, { Router } from "express";
import { repoRoot } from "../paths.ts";

export function webRoutes(): Router {
  const dist = path.join(repoRoot, "web/dist");
  const root = fs.existsSync(path.join(dist, "index.html")) ? dist : path.join(repoRoot, "web/public");
  const r = Router();
  r.use(express.static(root, { index: false, maxAge: root === dist ? "1h" : 0 }));
  r.get(/^(?!\/api\/|\/ws$).*/, (_req, res) => {
    res.set("Cache-Control", "no-cache").sendFile(path.join(root, "index.html"));
  });
  return r;
}
