// Where the appointment happens, in words, from the artist's profile. The one place that reads
// location fields: when the profile gains a street address, only this function changes.

/** The profile fields read here; extra address fields are read when the profile has them. */
export type StudioProfile = {
  displayName: string;
  studio: string | null;
  city: string | null;
  country: string | null;
} & Record<string, unknown>;

const text = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);

/** The studio's name and address lines as the customer should read them (empty when unknown). */
export function studioLocation(p: StudioProfile): { name?: string; address?: string } {
  // street/postcode are optional columns a later migration may add; absent today, they are skipped.
  const street = text(p.street) ?? text(p.addressLine1);
  const postcode = text(p.postcode) ?? text(p.postalCode);
  const cityLine = [postcode, text(p.city)].filter(Boolean).join(" ");
  const address = [street, cityLine, text(p.country)].filter(Boolean).join(", ");
  return { ...(text(p.studio) ? { name: text(p.studio) } : {}), ...(address ? { address } : {}) };
}
