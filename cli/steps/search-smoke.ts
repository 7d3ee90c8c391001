// smoke.search: the public map/search answers with someone. Zero visible artists fails, and so
// does a configured expected artist (TATU_SMOKE_SEARCH_ARTIST: an artist id or display name)
// that the search does not return.
import { envValue } from "../environment.ts";
import { describeResponse, HttpSession, type HttpResponse } from "../clients/http.ts";
import { fail, guarded, pass } from "./results.ts";
import type { StepContext, StepResult } from "./types.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Pages followed while looking for the expected artist (100 artists a page). */
const MAX_PAGES = 5;

interface Found {
  id: string;
  displayName: string;
}

/** The query the smoke runs: TATU_SMOKE_SEARCH as given, else the expected artist's name, else
 *  (an artist id) the whole map; undefined when neither is configured. */
export function searchQueryFor(query: string | undefined, artist: string | undefined): string | undefined {
  if (query) return query;
  if (!artist) return undefined;
  return UUID.test(artist) ? "bbox=-180,-90,180,90&limit=100" : `q=${encodeURIComponent(artist)}&limit=100`;
}

const isExpected = (artist: string) => (a: Found) =>
  a.id === artist || a.displayName.trim().toLowerCase() === artist.trim().toLowerCase();

export async function searchSmoke(ctx: StepContext): Promise<StepResult> {
  return guarded(async () => {
    const artist = envValue(ctx.env, "TATU_SMOKE_SEARCH_ARTIST");
    const query = searchQueryFor(envValue(ctx.env, "TATU_SMOKE_SEARCH"), artist);
    if (!query)
      return fail(
        "search: nothing to look for — set TATU_SMOKE_SEARCH (the point the map must show artists near, e.g. lat=52.37&lng=4.89&radiusKm=25) and/or TATU_SMOKE_SEARCH_ARTIST (an artist id or display name it must find)",
      );
    const http = new HttpSession(ctx.baseUrl);
    const seen: Found[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res: HttpResponse = await http.get(
        `/api/artists?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      if (res.status !== 200 || !Array.isArray(res.body?.items)) return fail(`search: ${describeResponse(res)}`);
      seen.push(...(res.body.items as Found[]));
      cursor = typeof res.body.nextCursor === "string" ? res.body.nextCursor : null;
      if (!cursor || !artist || seen.some(isExpected(artist))) break;
    }
    const details = { query, count: seen.length, ...(artist ? { expected: artist } : {}) };
    if (!seen.length)
      return fail(
        `search: no visible artist for ${query} — the map would show nobody (is any artist profile visible with a location near this point?)`,
        details,
      );
    if (artist) {
      const hit = seen.find(isExpected(artist));
      if (!hit)
        return fail(
          `search: the expected artist "${artist}" (TATU_SMOKE_SEARCH_ARTIST) is not among the ${seen.length} visible artist(s) for ${query}`,
          details,
        );
      return pass(`search: found "${hit.displayName}" among ${seen.length} visible artist(s) for ${query}`, details);
    }
    return pass(`search: ${seen.length} visible artist(s) for ${query}`, details);
  });
}
