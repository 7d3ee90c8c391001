// The style vocabulary straight from the API (service/artists/styles.ts has no imports, so
// sharing it costs the bundle nothing but the list).
import { ARTIST_STYLES } from "../../service/artists/styles.ts";

export const STYLES = ARTIST_STYLES;
export const styleLabel = (s: string) =>
  s === "neo-traditional"
    ? "Neo-traditional"
    : s
        .split("-")
        .map((w) => (w[0] ?? "").toUpperCase() + w.slice(1))
        .join(" ");
