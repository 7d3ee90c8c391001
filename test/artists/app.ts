// Boots the real service (artist routes mounted by service/http/app.ts) on its own database.
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";

export async function startArtistApp(): Promise<TestApp & { mountedByApp: boolean }> {
  return Object.assign(await startTestApp({ databaseUrl: await isolatedDatabaseUrl() }), { mountedByApp: true });
}
