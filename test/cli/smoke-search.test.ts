// `tatu smoke search` fails when the map would show nobody: a world with zero visible artists,
// a configured point with nobody near it, an expected artist (TATU_SMOKE_SEARCH_ARTIST) the
// search does not return; and passes when the expected artist is found near the point.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { detectMode } from "../../cli/output/mode.ts";
import { runSmoke } from "../../cli/steps/smoke.ts";
import { tatu } from "./ops-helpers.ts";

vi.setConfig({ testTimeout: 60_000 });

const BERLIN = "lat=52.52&lng=13.405&radiusKm=25";
let app: TestApp;
let artistId: string;
const profile = {
  displayName: "Smoke Ink",
  timeZone: "Europe/Berlin",
  workingHours: { mon: [{ start: "10:00", end: "18:00" }] },
  lat: 52.52,
  lng: 13.405,
  visible: true,
  styles: ["fine-line"],
};

/** The step itself (the CLI spawn is slow on a loaded machine); one run below goes through `tatu`. */
const search = async (env: Record<string, string>) => {
  const step = await runSmoke(
    { baseUrl: app.url, env, mode: detectMode({ json: true, yes: true }, {}), operator: "test", progress: () => {} },
    "search",
  );
  return { exitCode: step.ok ? 0 : 1, step };
};

beforeAll(async () => {
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl() });
}, 60_000);
afterAll(() => app?.close());

describe("tatu smoke search", () => {
  it("nothing configured, and a world with zero visible artists, fail with the reason", async () => {
    const bare = await search({});
    expect(bare.exitCode).toBe(1);
    expect(bare.step.summary).toMatch(
      /nothing to look for — set TATU_SMOKE_SEARCH .* and\/or TATU_SMOKE_SEARCH_ARTIST/,
    );
    const atPoint = await search({ TATU_SMOKE_SEARCH: BERLIN });
    expect(atPoint.step.summary).toMatch(/search: no visible artist for lat=52\.52.* the map would show nobody/);
  });

  it("a visible artist near the point passes; an expected artist that is not found fails naming it", async () => {
    const artist = await signedInUser(app, { role: "artist" });
    artistId = artist.userId;
    const put = await artist.client.put("/api/me/artist-profile", profile);
    expect(put.status, put.text).toBe(201);

    const cli = await tatu(["--json", "--url", app.url, "smoke", "search"], {
      TATU_SMOKE_SEARCH: BERLIN,
      TATU_SMOKE_SEARCH_ARTIST: "smoke ink",
    });
    expect(cli.exitCode, cli.stdout).toBe(0);
    const healthy = { step: cli.json.steps[0] };
    expect(healthy.step.summary).toBe(`search: found "Smoke Ink" among 1 visible artist(s) for ${BERLIN}`);
    expect((await search({ TATU_SMOKE_SEARCH: BERLIN, TATU_SMOKE_SEARCH_ARTIST: artistId })).exitCode).toBe(0);
    // By id alone: the whole map; by name alone: the name is the query.
    expect((await search({ TATU_SMOKE_SEARCH_ARTIST: artistId })).step.summary).toMatch(/found "Smoke Ink"/);
    expect((await search({ TATU_SMOKE_SEARCH_ARTIST: "Smoke Ink" })).step.summary).toMatch(/found "Smoke Ink"/);

    const missing = await search({ TATU_SMOKE_SEARCH: BERLIN, TATU_SMOKE_SEARCH_ARTIST: "Other Studio" });
    expect(missing.exitCode).toBe(1);
    expect(missing.step.summary).toBe(
      `search: the expected artist "Other Studio" (TATU_SMOKE_SEARCH_ARTIST) is not among the 1 visible artist(s) for ${BERLIN}`,
    );
    // Somebody exists, but nobody near the configured point (Sydney).
    const far = await search({ TATU_SMOKE_SEARCH: "lat=-33.87&lng=151.21&radiusKm=10" });
    expect(far).toMatchObject({
      exitCode: 1,
      step: { summary: expect.stringMatching(/no visible artist for lat=-33\.87/) },
    });

    // Hidden again: the artist is no longer on the map.
    const hide = await artist.client.put("/api/me/artist-profile", { ...profile, visible: false });
    expect(hide.status, hide.text).toBe(200);
    const hidden = await search({ TATU_SMOKE_SEARCH: BERLIN, TATU_SMOKE_SEARCH_ARTIST: "Smoke Ink" });
    expect(hidden.step).toMatchObject({ ok: false, summary: expect.stringMatching(/no visible artist/) });
  });
});
