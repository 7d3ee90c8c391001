// Adding a channel provider is adding its folder: in a copy of the repository, an "Echo"
// provider folder plus `npm run gen:providers` — no other edit — and the provider is listed by
// `tatu smoke`, offered by the integrations API, drawn on the Integrations page with its own
// form, connected from the browser, and its messages reach the inbox.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshWebBuild, loggedInPage, POLL } from "../web/support.ts";
import { launchBrowser } from "../helpers/browser.ts";
import type { TestApp } from "../helpers/app.ts";

const repo = path.resolve(import.meta.dirname, "../..");

const ECHO_META = `import { defineMeta } from "../kit/meta.ts";

export default defineMeta({
  id: "echo",
  order: 80,
  label: "Echo",
  kind: "channel",
  smokeNames: [{ name: "echo", title: "Echo (a test provider)" }],
  ui: { mark: "E", shortName: "Echo", form: { submit: "Connect Echo", fields: [{ name: "handle", label: "Echo handle" }] } },
});
`;

const ECHO_INDEX = `import { z } from "zod";
import type { ChannelProvider } from "../kit/channel.ts";
import { ProviderError } from "../kit/errors.ts";
import meta from "./meta.ts";

const schema = z.object({ handle: z.string().trim().min(1, "Enter your Echo handle.") });

const echoProvider: ChannelProvider = {
  ...meta,
  identityKind: "email",
  capabilities: { attachments: false, webhooks: false },
  connect: {
    kind: "credentials",
    route: "echo",
    schema,
    connect: async (_env, input: z.output<typeof schema>) => ({ externalId: input.handle, address: input.handle, credentials: { handle: input.handle }, scopes: [] }),
  },
  async *sync(_env, account, cursor) {
    if (cursor?.done) return;
    const message = { externalId: "echo-1", direction: "inbound" as const, from: { handle: "fan@echo.test", name: "Echo Fan" }, to: [{ handle: account.address }], cc: [], subject: "Hello", text: "Hello from Echo", sentAt: new Date(), seen: false, attachments: [] };
    yield { messages: [message], cursor: { done: true } };
  },
  send: async () => ({ externalId: \`echo-\${Date.now()}\`, status: "sent", sentAt: new Date() }),
  classifyError: (err) => new ProviderError("transient", String(err)),
  smoke: async () => ({ ok: true, checks: [{ name: "echo round trip", ok: true }] }),
};

export default echoProvider;
`;

let copy: string;
let app: TestApp;
let browser: Browser;
let helpers: { accounts: typeof import("../helpers/accounts.ts"); app: typeof import("../helpers/app.ts") };

/** The tracked tree (plus the generated Prisma client) in a temp folder; node_modules and web/ are links. */
function copyRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-new-provider-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: repo, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !f.startsWith("web/"));
  for (const f of files) {
    if (!fs.existsSync(path.join(repo, f))) continue;
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(repo, f), path.join(dir, f));
  }
  fs.cpSync(path.join(repo, "service/db/generated"), path.join(dir, "service/db/generated"), { recursive: true });
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"));
  fs.symlinkSync(path.join(repo, "web"), path.join(dir, "web"));
  return dir;
}

const git = (...args: string[]) => execFileSync("git", args, { cwd: copy, encoding: "utf8" });

beforeAll(async () => {
  await freshWebBuild();
  copy = copyRepo();
  git("init", "-q");
  git("add", "-A");
  git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base");
  fs.mkdirSync(path.join(copy, "service/providers/echo"));
  fs.writeFileSync(path.join(copy, "service/providers/echo/meta.ts"), ECHO_META);
  fs.writeFileSync(path.join(copy, "service/providers/echo/index.ts"), ECHO_INDEX);
  execFileSync(process.execPath, [path.join(repo, "node_modules/tsx/dist/cli.mjs"), "scripts/gen-providers.ts"], {
    cwd: copy,
    encoding: "utf8",
  });
  // The copy's own service and test helpers (another module graph than this file's).
  const load = async <T>(rel: string) => (await import(pathToFileURL(path.join(copy, rel)).href)) as T;
  helpers = { accounts: await load("test/helpers/accounts.ts"), app: await load("test/helpers/app.ts") };
  app = await helpers.app.startTestApp({ databaseUrl: await helpers.app.isolatedDatabaseUrl() });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (copy) fs.rmSync(copy, { recursive: true, force: true });
});

it("touches only its own folder and the generated registry", () => {
  const changed = git("status", "--porcelain", "--untracked-files=all")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.slice(3))
    .sort();
  expect(changed).toEqual([
    "service/providers/catalog.generated.ts",
    "service/providers/echo/index.ts",
    "service/providers/echo/meta.ts",
    "service/providers/registry.generated.ts",
  ]);
  const diff = git("diff", "--numstat")
    .trim()
    .split("\n")
    .map((l) => l.split("\t"));
  for (const [added, removed] of diff) expect([Number(added), Number(removed)]).toEqual([2, 1]); // one import + the list line
});

it("is listed by `tatu smoke`", () => {
  const help = execFileSync(process.execPath, ["cli/bin.mjs", "smoke", "--help"], { cwd: copy, encoding: "utf8" });
  expect(help).toMatch(/\becho\b/);
});

it("is offered by the integrations API, drawn on the Integrations page, connects and fills the inbox", async () => {
  const artist = await helpers.accounts.signedInUser(app, { role: "artist" });
  const list = await artist.client.get("/api/integrations");
  expect(list.body.providers.map((p: { id: string }) => p.id)).toContain("echo");

  const page = await loggedInPage(browser, app, artist.email);
  await page.goto("/integrations");
  const card = page.getByTestId("provider-echo");
  await expect.poll(() => card.getByRole("heading").innerText(), POLL).toBe("Echo");
  await card.getByRole("button", { name: "Connect Echo" }).click();
  // The provider's own zod message, under its field.
  await expect.poll(() => card.locator('[data-error-for="handle"]').innerText(), POLL).toBe("Enter your Echo handle.");
  await card.getByLabel("Echo handle").fill("studio-echo");
  await card.getByRole("button", { name: "Connect Echo" }).click();
  await expect
    .poll(
      () =>
        card
          .getByTestId("account")
          .getAttribute("data-status")
          .catch(() => null),
      POLL,
    )
    .toBe("active");

  await page.goto("/inbox");
  await expect.poll(() => page.getByText("Hello from Echo").count(), POLL).toBeGreaterThan(0);
  await expect.poll(() => page.locator("#inbox-channel option").allInnerTexts(), POLL).toContain("Echo");
  await page.context().close();
}, 120_000);
