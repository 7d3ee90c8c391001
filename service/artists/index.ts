// Artist profiles and the public artist map. Mount: app `/api/artists` → artistRoutes(ctx),
// `/api/me/artist-profile` → artistProfileRoutes(ctx).
export { artistRoutes } from "./routes.ts";
export { artistProfileRoutes } from "./profile-routes.ts";
export { ARTIST_STYLES, type ArtistStyle } from "./styles.ts";
export { searchArtists, type SearchItem, type SearchResult } from "./search.ts";
export { publicCoordinate, EARTH_MEAN_RADIUS_M } from "./geo.ts";
