// An artist's public profile: portfolio, styles, services, the deposit and cancellation policy
// in words (before anyone requests), and the booking request form.
import { useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useLocation, useParams } from "react-router-dom";
import { requestBody } from "../../../service/booking/schemas.ts";
import { api, messageOf } from "../api.ts";
import { apiFields, check, focusFirstInvalid, type FieldErrors } from "../forms.ts";
import { L, LeafletMap } from "../map.tsx";
import { PolicyText } from "../policy.tsx";
import { useMe } from "../session.ts";
import { styleLabel } from "../styles-list.ts";
import type { PublicArtist } from "../types.ts";
import { ErrorBox, Field, Loading, money, PageTitle } from "../ui.tsx";

export default function Artist() {
  const { id } = useParams();
  const q = useQuery({ queryKey: ["artist", id], queryFn: () => api<PublicArtist>(`/api/artists/${id}`) });
  if (q.isLoading) return <Loading label="Loading profile…" />;
  if (q.isError)
    return (
      <>
        <PageTitle>Artist</PageTitle>
        <ErrorBox error={q.error} retry={() => q.refetch()} />
        <p>
          <Link to="/artists">Back to the search</Link>
        </p>
      </>
    );
  const a = q.data!;
  return (
    <article className="profile" data-testid="artist-profile">
      <p className="back">
        <Link to="/artists">← Back to the search</Link>
      </p>
      <PageTitle title={a.displayName}>{a.displayName}</PageTitle>
      <p className="muted">{[a.studio, a.city, a.country].filter(Boolean).join(" · ")}</p>
      <p className="tags">
        {a.styles.map((s) => (
          <span key={s} className="tag">
            {styleLabel(s)}
          </span>
        ))}
      </p>
      {a.bio ? <p className="bio">{a.bio}</p> : null}
      <h2>Portfolio</h2>
      {a.portfolio.length ? (
        <ul className="portfolio">
          {a.portfolio.map((p) => (
            <li key={p.id}>
              <img src={p.url} alt={p.caption ?? `Work by ${a.displayName}`} loading="lazy" />
              {p.caption ? <p className="small">{p.caption}</p> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No portfolio images yet.</p>
      )}
      {a.services.length ? (
        <>
          <h2>Services</h2>
          <ul className="services">
            {a.services.map((s) => (
              <li key={s.id}>
                <strong>{s.name}</strong> · {s.durationMinutes} min
                {s.depositCents ? ` · deposit ${money(s.depositCents, s.currency)}` : ""}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <section aria-labelledby="policy-title">
        <h2 id="policy-title">Deposit and cancellation</h2>
        <PolicyText sentences={a.policy} testId="artist-policy" />
      </section>
      <h2>Where</h2>
      <p className="small muted">Approximate area — the studio address is shared once you book.</p>
      <LeafletMap
        label={`Area of ${a.displayName}`}
        className="map-small"
        initial={{ center: [a.location.lat, a.location.lng], zoom: 12 }}
        onReady={(map) => void L.circle([a.location.lat, a.location.lng], { radius: 800, color: "#5b21b6" }).addTo(map)}
      />
      <BookingRequest artist={a} />
    </article>
  );
}

function BookingRequest({ artist }: { artist: PublicArtist }) {
  const me = useMe();
  const location = useLocation();
  const [open, setOpen] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState("");
  const [serviceId, setServiceId] = useState("");
  const policy = artist.services.find((s) => s.id === serviceId)?.policy ?? artist.policy;
  const send = useMutation({
    mutationFn: (f: FormData) => api<{ id: string }>("/api/bookings/requests", { form: f }),
    onError: (err) => {
      setFields(apiFields(err));
      setError(messageOf(err));
      focusFirstInvalid(form.current);
    },
  });
  if (!artist.bookingOpen)
    return <p className="banner banner-info">{artist.displayName} is not taking booking requests right now.</p>;
  if (send.isSuccess)
    return (
      <p className="banner banner-info" role="status" data-testid="request-sent">
        Request sent! {artist.displayName} will offer you times. Follow it in <Link to="/bookings">My bookings</Link>.
      </p>
    );
  if (!me.data)
    return (
      <p>
        <Link className="button" to={`/login?next=${encodeURIComponent(location.pathname)}`}>
          Log in to request a booking
        </Link>
      </p>
    );
  if (!open)
    return (
      <p>
        <button type="button" id="request-booking" onClick={() => setOpen(true)}>
          Request a booking
        </button>
      </p>
    );

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError("");
    const d = new FormData(e.currentTarget);
    const input = {
      artistId: artist.id,
      serviceId: String(d.get("serviceId") ?? "") || undefined,
      idea: String(d.get("idea") ?? ""),
      placement: String(d.get("placement") ?? ""),
      size: String(d.get("size") ?? ""),
      budget: String(d.get("budget") ?? "") || undefined,
    };
    const v = check(requestBody, input);
    if (!v.ok) {
      setFields(v.fields);
      return focusFirstInvalid(form.current);
    }
    setFields({});
    const body = new FormData();
    for (const [k, val] of Object.entries(v.data)) if (val !== undefined) body.set(k, String(val));
    for (const f of d.getAll("files")) if (f instanceof File && f.size) body.append("files", f, f.name);
    send.mutate(body);
  }
  return (
    <form
      id="booking-form"
      ref={form}
      noValidate
      onSubmit={submit}
      aria-labelledby="booking-title"
      aria-busy={send.isPending}
    >
      <h2 id="booking-title" tabIndex={-1}>
        Request a booking
      </h2>
      {artist.services.length ? (
        <div className="field">
          <label htmlFor="booking-serviceId">Service</label>
          <select
            id="booking-serviceId"
            name="serviceId"
            value={serviceId}
            onChange={(e) => setServiceId(e.target.value)}
          >
            <option value="">Not sure yet</option>
            {artist.services.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.durationMinutes} min)
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="booking-idea">Your idea</label>
        <textarea
          id="booking-idea"
          name="idea"
          rows={4}
          aria-invalid={fields.idea ? true : undefined}
          aria-describedby="booking-idea-error"
        />
        <p id="booking-idea-error" className="field-error">
          {fields.idea ?? ""}
        </p>
      </div>
      <Field
        form="booking"
        name="placement"
        label="Placement"
        placeholder="e.g. left forearm"
        error={fields.placement}
      />
      <Field form="booking" name="size" label="Size" placeholder="e.g. 10 cm, palm-sized" error={fields.size} />
      <Field form="booking" name="budget" label="Budget (optional)" error={fields.budget} />
      <div className="field">
        <label htmlFor="booking-files">Reference images (optional)</label>
        <input id="booking-files" name="files" type="file" accept="image/*" multiple />
      </div>
      <section className="field" aria-labelledby="booking-policy-title" aria-live="polite">
        <h3 id="booking-policy-title">Deposit and cancellation</h3>
        <PolicyText sentences={policy} testId="booking-policy" id="booking-policy" />
      </section>
      <p className="msg msg-error" role="alert">
        {error}
      </p>
      <button type="submit" disabled={send.isPending} aria-describedby="booking-policy">
        {send.isPending ? "Sending…" : "Send request"}
      </button>
    </form>
  );
}
