// The artist's own public profile: name, studio, styles, bio, visibility, portfolio, the studio
// address (street and postcode are told only to booked customers) and the studio location, typed
// as latitude/longitude or set by clicking the map — the map is optional, so the whole profile can
// be published from the keyboard or a screen reader. Only a rounded point is ever shown publicly.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api, messageOf } from "../api.ts";
import { apiFields, type FieldErrors } from "../forms.ts";
import { RequireUser } from "../guard.tsx";
import { L, LeafletMap } from "../map.tsx";
import { STYLES, styleLabel } from "../styles-list.ts";
import type { OwnProfile, User } from "../types.ts";
import { ErrorBox, Field, Loading, PageTitle } from "../ui.tsx";
import { useOwnProfile } from "./Calendar.tsx";

export default function ProfileEditorPage() {
  return (
    <RequireUser role="artist" title="My profile">
      {(u) => <ProfileEditor user={u} />}
    </RequireUser>
  );
}

function ProfileEditor({ user }: { user: User }) {
  const q = useOwnProfile();
  if (q.isLoading) return <Loading />;
  if (q.isError) return <ErrorBox error={q.error} retry={() => q.refetch()} />;
  return <Editor user={user} profile={q.data ?? null} />;
}

function Editor({ user, profile }: { user: User; profile: OwnProfile | null }) {
  const qc = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  // The coordinates as typed (the number inputs own them; a map click fills them in).
  const [coords, setCoords] = useState({ lat: profile?.lat?.toString() ?? "", lng: profile?.lng?.toString() ?? "" });
  const point = pointOf(coords);
  const marker = useRef<L.CircleMarker | null>(null);
  const mapRef = useRef<L.Map | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [msg, setMsg] = useState<{ info?: string; error?: string }>({});
  // Bumped with each batch of field errors: focus moves to the first invalid field once React has
  // rendered them (a keyboard or screen-reader user lands on what to fix, its error read out).
  const [invalidShown, setInvalidShown] = useState(0);
  useEffect(() => {
    if (invalidShown) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [invalidShown]);
  const save = useMutation({
    mutationFn: (body: unknown) => api<OwnProfile>("/api/me/artist-profile", { method: "PUT", body }),
    onMutate: () => {
      setFields({});
      setMsg({});
    },
    onSuccess: (p) => {
      qc.setQueryData(["own-profile"], p);
      setMsg({
        info: p.visible
          ? "Saved. Your profile is on the map."
          : "Saved. Your profile is hidden until you tick “Show me on the map”.",
      });
    },
    onError: (err) => {
      setFields(apiFields(err));
      setMsg({ error: messageOf(err) });
      setInvalidShown((n) => n + 1);
    },
  });

  // The marker follows the typed coordinates as well as the clicks.
  useEffect(() => {
    if (!mapRef.current) return;
    if (point) place(mapRef.current, point.lat, point.lng);
    else marker.current?.remove();
  }, [point?.lat, point?.lng]);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    const text = (k: string) => String(d.get(k) ?? "").trim() || null;
    // A number input holding something that is not a number reads as "": say so rather than drop it.
    const unreadable = (["lat", "lng"] as const).filter(
      (k) => (e.currentTarget.elements.namedItem(k) as HTMLInputElement | null)?.validity.badInput,
    );
    if (unreadable.length) {
      setMsg({ error: "Some fields need attention." });
      setFields(
        Object.fromEntries(
          unreadable.map((k) => [
            k,
            k === "lat" ? "Latitude is a number, e.g. 52.52." : "Longitude is a number, e.g. 13.405.",
          ]),
        ),
      );
      setInvalidShown((n) => n + 1);
      return;
    }
    const coordinate = (v: string) => (v.trim() === "" ? null : Number(v));
    save.mutate({
      ...(profile ?? {}),
      displayName: String(d.get("displayName") ?? ""),
      studio: text("studio"),
      street: text("street"),
      postcode: text("postcode"),
      city: text("city"),
      country: text("country"),
      bio: text("bio"),
      styles: d.getAll("styles").map(String),
      visible: d.get("visible") === "on",
      bookingOpen: d.get("bookingOpen") === "on",
      lat: coordinate(coords.lat),
      lng: coordinate(coords.lng),
      ...(profile ? {} : { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }),
    });
  }

  const place = (map: L.Map, lat: number, lng: number) => {
    marker.current?.remove();
    marker.current = L.circleMarker([lat, lng], {
      radius: 9,
      color: "#5b21b6",
      fillColor: "#8b5cf6",
      fillOpacity: 0.9,
      className: "studio-marker",
    }).addTo(map);
  };

  return (
    <>
      <PageTitle>My profile</PageTitle>
      <p className="muted">
        {profile?.visible ? (
          <>
            Customers can find you. <Link to={`/artists/${user.id}`}>See your public page</Link>.
          </>
        ) : (
          "Your profile is not public yet."
        )}
      </p>
      <form id="profile-form" ref={form} noValidate onSubmit={submit} aria-busy={save.isPending}>
        <Field
          form="profile"
          name="displayName"
          label="Name customers know you by"
          defaultValue={profile?.displayName ?? user.name}
          error={fields.displayName}
        />
        <Field form="profile" name="studio" label="Studio" defaultValue={profile?.studio ?? ""} error={fields.studio} />
        <fieldset aria-describedby="profile-address-hint">
          <legend>Studio address</legend>
          <p className="hint small" id="profile-address-hint">
            City and country are on your public profile. Street and postcode are shown only to customers with a
            confirmed booking.
          </p>
          <Field
            form="profile"
            name="street"
            label="Street and number"
            autoComplete="street-address"
            defaultValue={profile?.street ?? ""}
            error={fields.street}
          />
          <div className="row">
            <Field
              form="profile"
              name="postcode"
              label="Postcode"
              autoComplete="postal-code"
              defaultValue={profile?.postcode ?? ""}
              error={fields.postcode}
            />
            <Field
              form="profile"
              name="city"
              label="City"
              autoComplete="address-level2"
              defaultValue={profile?.city ?? ""}
              error={fields.city}
            />
          </div>
          <Field
            form="profile"
            name="country"
            label="Country code"
            maxLength={2}
            autoComplete="country"
            defaultValue={profile?.country ?? ""}
            error={fields.country}
            hint="Two letters, e.g. DE"
          />
        </fieldset>
        <div className="field">
          <label htmlFor="profile-bio">About you</label>
          <textarea
            id="profile-bio"
            name="bio"
            rows={4}
            defaultValue={profile?.bio ?? ""}
            aria-describedby="profile-bio-error"
            aria-invalid={fields.bio ? true : undefined}
          />
          <p id="profile-bio-error" className="field-error">
            {fields.bio ?? ""}
          </p>
        </div>
        <fieldset aria-describedby="profile-styles-error">
          <legend>Styles (up to 8)</legend>
          <div className="checks">
            {STYLES.map((s) => (
              <label key={s} className="choice">
                <input type="checkbox" name="styles" value={s} defaultChecked={profile?.styles.includes(s)} />{" "}
                {styleLabel(s)}
              </label>
            ))}
          </div>
          <p id="profile-styles-error" className="field-error">
            {fields.styles ?? ""}
          </p>
        </fieldset>
        <fieldset>
          <legend>Studio location</legend>
          <p className="hint small">
            Type your studio's coordinates (your maps app shows them for an address), or click the map where your studio
            is. The public map only shows a point rounded to about 1 km.
          </p>
          <div className="row">
            <Field
              form="profile"
              name="lat"
              label="Latitude"
              type="number"
              step="any"
              min={-90}
              max={90}
              inputMode="decimal"
              value={coords.lat}
              onChange={(e) => setCoords((c) => ({ ...c, lat: e.target.value }))}
              error={fields.lat}
              hint="Between -90 and 90, e.g. 52.5200"
            />
            <Field
              form="profile"
              name="lng"
              label="Longitude"
              type="number"
              step="any"
              min={-180}
              max={180}
              inputMode="decimal"
              value={coords.lng}
              onChange={(e) => setCoords((c) => ({ ...c, lng: e.target.value }))}
              error={fields.lng}
              hint="Between -180 and 180, e.g. 13.4050"
            />
          </div>
          <LeafletMap
            label="Map: click to set your studio location (optional)"
            className="map-medium"
            initial={point ? { center: [point.lat, point.lng], zoom: 13 } : { center: [50, 10], zoom: 4 }}
            onReady={(map) => {
              mapRef.current = map;
              if (point) place(map, point.lat, point.lng);
              const click = (e: L.LeafletMouseEvent) => {
                const p = {
                  lat: Math.round(e.latlng.lat * 1e6) / 1e6,
                  lng: Math.round(e.latlng.wrap().lng * 1e6) / 1e6,
                };
                setCoords({ lat: String(p.lat), lng: String(p.lng) });
              };
              map.on("click", click);
              return () => {
                map.off("click", click);
                mapRef.current = null;
              };
            }}
          />
          <p data-testid="location" role="status">
            {point ? `Location set: ${point.lat.toFixed(4)}, ${point.lng.toFixed(4)}` : "No location set yet."}
          </p>
        </fieldset>
        <label className="choice">
          <input
            type="checkbox"
            name="visible"
            defaultChecked={profile?.visible ?? false}
            aria-describedby="profile-visible-error"
          />{" "}
          Show me on the map
        </label>
        <p id="profile-visible-error" className="field-error">
          {fields.visible ?? ""}
        </p>
        <label className="choice">
          <input type="checkbox" name="bookingOpen" defaultChecked={profile?.bookingOpen ?? true} /> Taking booking
          requests
        </label>
        <p className="msg" role="status">
          {msg.info}
        </p>
        <p className="msg msg-error" role="alert">
          {msg.error}
        </p>
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save profile"}
        </button>
      </form>
      {profile ? <Portfolio profile={profile} /> : null}
    </>
  );
}

/** Both coordinates as numbers within range, or null (the API answers for anything else). */
function pointOf(c: { lat: string; lng: string }): { lat: number; lng: number } | null {
  if (c.lat.trim() === "" || c.lng.trim() === "") return null;
  const lat = Number(c.lat),
    lng = Number(c.lng);
  return Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180
    ? { lat, lng }
    : null;
}

function Portfolio({ profile }: { profile: OwnProfile }) {
  const qc = useQueryClient();
  const [error, setError] = useState("");
  const refresh = () => void qc.invalidateQueries({ queryKey: ["own-profile"] });
  const upload = useMutation({
    mutationFn: (f: FormData) => api("/api/me/artist-profile/portfolio", { form: f }),
    onSuccess: refresh,
    onError: (e) => setError(messageOf(e)),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/api/me/artist-profile/portfolio/${id}`, { method: "DELETE" }),
    onSuccess: refresh,
    onError: (e) => setError(messageOf(e)),
  });
  return (
    <section aria-labelledby="portfolio-title">
      <h2 id="portfolio-title">Portfolio</h2>
      {profile.portfolio.length ? (
        <ul className="portfolio">
          {profile.portfolio.map((p) => (
            <li key={p.id}>
              <img src={p.url} alt={p.caption ?? "Portfolio image"} loading="lazy" />
              <button type="button" className="secondary small" onClick={() => remove.mutate(p.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No images yet — customers book artists whose work they can see.</p>
      )}
      <form
        id="portfolio-form"
        onSubmit={(e) => {
          e.preventDefault();
          setError("");
          const d = new FormData(e.currentTarget);
          const body = new FormData();
          for (const f of d.getAll("images")) if (f instanceof File && f.size) body.append("images", f, f.name);
          const caption = String(d.get("caption") ?? "").trim();
          if (caption) body.set("caption", caption);
          upload.mutate(body);
          e.currentTarget.reset();
        }}
      >
        <div className="field">
          <label htmlFor="portfolio-images">Images</label>
          <input id="portfolio-images" name="images" type="file" accept="image/*" multiple />
        </div>
        <Field form="portfolio" name="caption" label="Caption (optional)" />
        <p className="msg msg-error" role="alert">
          {error}
        </p>
        <button type="submit" className="secondary" disabled={upload.isPending}>
          {upload.isPending ? "Uploading…" : "Upload"}
        </button>
      </form>
    </section>
  );
}
