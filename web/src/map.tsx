// Leaflet, loaded only by the screens with a map. The tile URL is configuration: the
// tatu-tile-url meta tag (VITE_TILE_URL at build time) or window.TATU_CONFIG.tileUrl at run time.
import { useEffect, useRef } from "react";
import * as L from "leaflet";
import "leaflet/dist/leaflet.css";

const OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

declare global {
  interface Window {
    TATU_CONFIG?: { tileUrl?: string; tileAttribution?: string };
  }
}

const meta = (name: string) => {
  const v = document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
  return v && !v.startsWith("%") ? v : undefined; // "%VITE_…%" = not set at build time
};

/** The attribution is HTML by Leaflet's design: it only ever comes from the operator's configuration. */
export function tileSettings(): { url: string; attribution: string } {
  const url = window.TATU_CONFIG?.tileUrl ?? meta("tatu-tile-url") ?? OSM;
  const attribution =
    window.TATU_CONFIG?.tileAttribution ?? meta("tatu-tile-attribution") ?? (url === OSM ? OSM_ATTRIBUTION : "");
  return { url, attribution };
}

export interface Bbox {
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}
export const bboxOf = (b: L.LatLngBounds): Bbox => ({
  minLng: b.getWest(),
  minLat: b.getSouth(),
  maxLng: b.getEast(),
  maxLat: b.getNorth(),
});
export const clampBbox = (b: Bbox): Bbox => ({
  minLng: Math.max(-180, b.minLng),
  maxLng: Math.min(180, b.maxLng),
  minLat: Math.max(-90, b.minLat),
  maxLat: Math.min(90, b.maxLat),
});

export interface MapHandle {
  map: L.Map;
}

// Leaflet inserts string content of tooltips and popups as HTML: anything a user typed goes in
// as DOM nodes whose text is set with textContent, never as a string (stored XSS otherwise).
/** A tooltip/popup body that shows `text` literally. */
export function textNode(text: string): HTMLElement {
  const el = document.createElement("span");
  el.textContent = text;
  return el;
}

/** A link whose label is `text`, literally; `onFollow` (if given) replaces the page load. */
export function linkNode(href: string, text: string, onFollow?: () => void): HTMLElement {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  if (onFollow)
    a.addEventListener("click", (e) => {
      if (!e.metaKey && !e.ctrlKey && !e.shiftKey && e.button === 0) {
        e.preventDefault();
        onFollow();
      }
    });
  return a;
}

/** A Leaflet map in a div; `onReady` gets the map once (the caller adds layers/handlers). */
export function LeafletMap({
  label,
  className,
  onReady,
  initial,
}: {
  label: string;
  className?: string;
  initial: { bbox?: Bbox; center?: [number, number]; zoom?: number };
  onReady: (map: L.Map) => void | (() => void);
}) {
  const el = useRef<HTMLDivElement>(null);
  const ready = useRef(onReady);
  ready.current = onReady;
  useEffect(() => {
    if (!el.current) return;
    const map = L.map(el.current, { keyboard: true, zoomControl: true, worldCopyJump: true });
    const t = tileSettings();
    L.tileLayer(t.url, { attribution: t.attribution, maxZoom: 19 }).addTo(map);
    if (initial.bbox)
      map.fitBounds([
        [initial.bbox.minLat, initial.bbox.minLng],
        [initial.bbox.maxLat, initial.bbox.maxLng],
      ]);
    else map.setView(initial.center ?? [50, 10], initial.zoom ?? 4);
    const cleanup = ready.current(map);
    return () => {
      if (typeof cleanup === "function") cleanup();
      map.remove();
    };
    // The map is created once per mount; later prop changes are applied by the caller through the map.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return <div ref={el} className={`map ${className ?? ""}`} role="region" aria-label={label} data-testid="map" />;
}

export { L };
