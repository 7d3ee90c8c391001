// Public artist search: a map and a list of the same results, style and distance filters,
// "Search this area" from the map's viewport (GET /api/artists?bbox=…).
import { useEffect, useMemo, useRef, useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { api } from "../api.ts";
import { bboxOf, clampBbox, L, LeafletMap, linkNode, textNode, type Bbox } from "../map.tsx";
import { STYLES, styleLabel } from "../styles-list.ts";
import type { ArtistSummary } from "../types.ts";
import { Empty, ErrorBox, Loading, PageTitle } from "../ui.tsx";

const DISTANCES = [5, 10, 25, 50, 100, 250];
const fmtBbox = (b: Bbox) => [b.minLng, b.minLat, b.maxLng, b.maxLat].map((n) => n.toFixed(5)).join(",");
function parseBbox(s: string | null): Bbox | undefined {
  const n = (s ?? "").split(",").map(Number);
  if (n.length !== 4 || n.some((x) => !Number.isFinite(x))) return undefined;
  return { minLng: n[0]!, minLat: n[1]!, maxLng: n[2]!, maxLat: n[3]! };
}

export default function Search() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const bbox = parseBbox(params.get("bbox"));
  const style = params.get("style") ?? "";
  const radius = params.get("radiusKm") ?? "";
  const lat = params.get("lat"),
    lng = params.get("lng");
  const text = params.get("q") ?? "";
  const [moved, setMoved] = useState(false);
  const mapRef = useRef<L.Map | null>(null);
  const layer = useRef<L.LayerGroup | null>(null);
  const [draftText, setDraftText] = useState(text);

  const query = useMemo(() => {
    const p = new URLSearchParams({ limit: "50" });
    if (radius && lat && lng) {
      p.set("lat", lat);
      p.set("lng", lng);
      p.set("radiusKm", radius);
    } else if (bbox) p.set("bbox", fmtBbox(bbox));
    if (style) p.set("style", style);
    if (text.trim().length >= 2) p.set("q", text.trim());
    return p;
  }, [bbox && fmtBbox(bbox), style, radius, lat, lng, text]); // eslint-disable-line react-hooks/exhaustive-deps
  const canSearch = query.has("bbox") || query.has("lat") || query.has("q");
  const results = useQuery({
    queryKey: ["artists", query.toString()],
    queryFn: () => api<{ items: ArtistSummary[]; nextCursor: string | null }>(`/api/artists?${query}`),
    enabled: canSearch,
    placeholderData: keepPreviousData,
  });

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes))
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    setParams(next, { replace: true });
  };
  const viewport = () => (mapRef.current ? clampBbox(bboxOf(mapRef.current.getBounds())) : undefined);
  const searchThisArea = () => {
    const b = viewport();
    if (!b) return;
    setMoved(false);
    const c = mapRef.current!.getCenter();
    update(
      radius
        ? { bbox: null, lat: c.lat.toFixed(5), lng: c.lng.toFixed(5) }
        : { bbox: fmtBbox(b), lat: null, lng: null },
    );
  };

  // Markers follow the results. Names are user text: DOM nodes, never HTML strings.
  useEffect(() => {
    const group = layer.current;
    if (!group) return;
    group.clearLayers();
    for (const a of results.data?.items ?? []) {
      L.circleMarker([a.location.lat, a.location.lng], {
        radius: 9,
        color: "#5b21b6",
        weight: 2,
        fillColor: "#8b5cf6",
        fillOpacity: 0.85,
        className: "artist-marker",
      })
        .bindTooltip(textNode(a.displayName))
        .bindPopup(
          linkNode(`/artists/${encodeURIComponent(a.id)}`, a.displayName, () =>
            navigate(`/artists/${encodeURIComponent(a.id)}`),
          ),
        )
        .addTo(group);
    }
  }, [results.data]); // eslint-disable-line react-hooks/exhaustive-deps

  const items = results.data?.items ?? [];
  return (
    <>
      <PageTitle>Find a tattoo artist</PageTitle>
      <form
        className="filters search-filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          update({ q: draftText.trim() || null });
        }}
      >
        <div className="field">
          <label htmlFor="search-q">Name, studio or city</label>
          <input id="search-q" type="search" value={draftText} onChange={(e) => setDraftText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="search-style">Style</label>
          <select id="search-style" value={style} onChange={(e) => update({ style: e.target.value })}>
            <option value="">Any style</option>
            {STYLES.map((s) => (
              <option key={s} value={s}>
                {styleLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="search-distance">Distance from map centre</label>
          <select
            id="search-distance"
            value={radius}
            onChange={(e) => {
              const c = mapRef.current?.getCenter();
              if (e.target.value && c)
                update({ radiusKm: e.target.value, lat: c.lat.toFixed(5), lng: c.lng.toFixed(5), bbox: null });
              else update({ radiusKm: null, lat: null, lng: null, bbox: viewport() ? fmtBbox(viewport()!) : null });
            }}
          >
            <option value="">Whole map area</option>
            {DISTANCES.map((d) => (
              <option key={d} value={String(d)}>
                Within {d} km
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
      <div className="search-layout">
        <div className="map-wrap">
          <LeafletMap
            label="Map of artists"
            initial={{ bbox, center: lat && lng ? [Number(lat), Number(lng)] : undefined, zoom: lat ? 11 : undefined }}
            onReady={(map) => {
              mapRef.current = map;
              layer.current = L.layerGroup().addTo(map);
              // No area in the URL yet: search what the map shows.
              if (!bbox && !(lat && lng))
                setTimeout(() => update({ bbox: fmtBbox(clampBbox(bboxOf(map.getBounds()))) }), 0);
              const onMove = () => setMoved(true);
              map.on("dragend zoomend", onMove);
              return () => {
                map.off("dragend zoomend", onMove);
                mapRef.current = null;
                layer.current = null;
              };
            }}
          />
          <button
            type="button"
            className={`search-area ${moved ? "visible" : ""}`}
            onClick={searchThisArea}
            id="search-this-area"
          >
            Search this area
          </button>
        </div>
        <section className="results" aria-label="Artists" aria-busy={results.isFetching}>
          {!canSearch ? (
            <Loading label="Finding your area…" />
          ) : results.isLoading ? (
            <Loading label="Searching…" />
          ) : results.isError ? (
            <ErrorBox error={results.error} retry={() => results.refetch()} />
          ) : items.length === 0 ? (
            <Empty>
              <p>
                No artists here{style ? ` for ${styleLabel(style)}` : ""}. Zoom out or move the map, then “Search this
                area”.
              </p>
            </Empty>
          ) : (
            <>
              <p className="muted small" role="status">
                {items.length} artist{items.length === 1 ? "" : "s"}
                {results.data?.nextCursor ? " (closest first — zoom in to see more)" : ""}
              </p>
              <ul className="artist-list" data-testid="artist-list">
                {items.map((a) => (
                  <li key={a.id} data-testid="artist-result">
                    {a.portfolioPreview ? (
                      <img src={a.portfolioPreview} alt="" loading="lazy" />
                    ) : (
                      <span className="thumb" aria-hidden="true">
                        ✒
                      </span>
                    )}
                    <div>
                      <h2 className="h3">
                        <Link to={`/artists/${a.id}`}>{a.displayName}</Link>
                      </h2>
                      <p className="muted small">
                        {[a.studio, a.city, a.country].filter(Boolean).join(" · ")}
                        {a.distanceKm !== null ? ` · ${a.distanceKm} km` : ""}
                      </p>
                      <p className="tags">
                        {a.styles.map((s) => (
                          <span key={s} className="tag">
                            {styleLabel(s)}
                          </span>
                        ))}
                      </p>
                      {!a.bookingOpen ? <p className="small muted">Not taking bookings right now</p> : null}
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      </div>
    </>
  );
}
