// Vercel function entry (plain JS, so @vercel/node needs no TypeScript build of its own):
// registers tsx, then hands every request to the Express app in vercel.ts — the same
// runtime path as `npm start` and the `tatu` bin.
import { register } from "tsx/esm/api";

register();
const { default: handler } = await import("./vercel.ts");
export default handler;
