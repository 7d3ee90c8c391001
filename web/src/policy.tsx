// The booking policy and the studio address as customers read them. The sentences come from the
// API (service/booking/policy.ts words them once for every screen); these only lay them out.
import type { StudioAddress } from "./types.ts";

/** The deposit / cancellation / reschedule policy, one sentence per line. */
export function PolicyText({ sentences, testId, id }: { sentences: string[]; testId?: string; id?: string }) {
  if (!sentences.length) return null;
  return (
    <div className="policy" data-testid={testId} id={id}>
      {sentences.map((s) => (
        <p key={s} className="small">
          {s}
        </p>
      ))}
    </div>
  );
}

/** The studio's address as a postal address (street, postcode + city, country). */
export function AddressLines({ address }: { address: StudioAddress }) {
  const cityLine = [address.postcode, address.city].filter(Boolean).join(" ");
  return (
    <address data-testid="studio-address">
      {address.studio ? (
        <>
          {address.studio}
          <br />
        </>
      ) : null}
      {address.street}
      {cityLine ? (
        <>
          <br />
          {cityLine}
        </>
      ) : null}
      {address.country ? (
        <>
          <br />
          {address.country}
        </>
      ) : null}
    </address>
  );
}
