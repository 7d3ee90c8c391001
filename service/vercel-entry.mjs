// Vercel function entry: the service as `npm run vercel-build` built it into dist/
// (scripts/build-service.mjs, esbuild) — plain JavaScript with source maps, so a cold start
// loads compiled chunks instead of transpiling TypeScript. Same build as `npm start`.
export { default } from "../dist/vercel.js";
