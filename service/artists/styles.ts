// The fixed vocabulary of tattoo styles an artist can list and customers can filter by.
// Slugs are stable identifiers (stored in ArtistProfile.styles and used in URLs): add new
// ones freely, never rename or remove one without a data migration.
export const ARTIST_STYLES = [
  "traditional",
  "neo-traditional",
  "blackwork",
  "fine-line",
  "realism",
  "japanese",
  "tribal",
  "watercolor",
  "geometric",
  "lettering",
  "dotwork",
  "illustrative",
  "trash-polka",
  "chicano",
  "minimalist",
  "portrait",
] as const;

export type ArtistStyle = (typeof ARTIST_STYLES)[number];

export const MAX_STYLES_PER_ARTIST = 8;
