// The runbooks in runbooks/ are the source of the CLI's steps: they parse, ids are stable and
// unique, and every automated item names a step that exists.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listRunbookNames, loadRunbook, parseRunbook, RunbookError, runbooksDir } from "../../cli/runbook/parse.ts";
import { findStep, loadSteps } from "../../cli/steps/catalog.ts";
import { migrationNames } from "../../service/db/migrations.ts";
import { ROOT } from "./runbook-helpers.ts";

/**
 * Step ids a runbook may reference before the step exists. Keep this list explicit and short:
 * an id here shows up as "missing" (a failed item) in every run until its step is registered.
 * Empty today — every step the runbooks name is registered by cli/steps/index.ts or the engine.
 */
const PENDING_STEPS: string[] = [];

const dir = path.join(ROOT, "runbooks");

describe("the runbooks in runbooks/", () => {
  it("are the ones the launch needs, and each parses", () => {
    expect(runbooksDir({})).toBe(dir);
    expect(listRunbookNames(dir)).toEqual([
      "launch",
      "launch-command-sheet",
      "meta-done",
      "provider-qa",
      "rollback",
      "signup-smoke",
    ]);
    for (const name of listRunbookNames(dir)) expect(loadRunbook(name, dir).items.length).toBeGreaterThan(0);
  });

  it("bind every automated item to a registered step (pending ones listed explicitly)", async () => {
    await loadSteps({});
    const unknown: string[] = [];
    for (const name of listRunbookNames(dir))
      for (const item of loadRunbook(name, dir).items)
        if (item.step && !findStep(item.step) && !PENDING_STEPS.includes(item.step))
          unknown.push(`${name}:${item.id} → ${item.step}`);
    expect(unknown).toEqual([]);
    for (const id of PENDING_STEPS)
      expect(findStep(id), `${id} is registered now: remove it from PENDING_STEPS`).toBeUndefined();
  });

  it("launch has the cutover timeline with both Go/No-Go gates and a final sign-off", () => {
    const launch = loadRunbook("launch", dir);
    const sections = [...new Set(launch.items.map((i) => i.section))];
    expect(sections).toEqual([
      "Roles and window",
      "T-24h — pre-launch prep",
      "T-2h — staging-like production validation",
      "T-30m — final readiness gate",
      "T-0 — cutover window",
      "Hypercare (T+15m to T+2h)",
      "Sign-off",
    ]);
    const gates = launch.items.filter((i) => i.kind === "gate" || i.kind === "signoff").map((i) => [i.id, i.kind]);
    expect(gates).toEqual([
      ["t30.go-no-go-1", "gate"],
      ["t0.go-no-go-2", "gate"],
      ["signoff.final", "signoff"],
    ]);
    expect(launch.items[0]).toMatchObject({ id: "roles.assigned", step: "launch.roles" });
    const steps = new Set(launch.items.map((i) => i.step));
    for (const s of [
      "env.check",
      "migrate.deploy",
      "migrate.status",
      "health.ready",
      "webhooks.facebook",
      "smoke.gmail",
      "smoke.sms",
      "cron.status",
      "hypercare.once",
      "meta.check",
    ])
      expect(steps).toContain(s);
  });

  it("signup-smoke keeps its item ids", () => {
    const ids = loadRunbook("signup-smoke", dir).items.map((i) => i.id);
    expect(ids).toEqual([
      "signup.create-customer",
      "signup.response-shape",
      "signup.resend",
      "signup.verify-link",
      "signup.login-verified",
      "signup.unverified-guidance",
      "signup.delete-account",
      "signup.no-sentry-errors",
    ]);
  });

  it("rollback has its quick actions and a prepared down script for the newest migration", () => {
    const steps = loadRunbook("rollback", dir)
      .items.map((i) => i.step)
      .filter(Boolean);
    expect(steps).toEqual([
      "cron.disable-sync",
      "provider.disable",
      "rollback.vercel",
      "health.ready",
      "cron.enable-all",
    ]);
    const newest = migrationNames().at(-1);
    expect(fs.readFileSync(path.join(dir, `rollback/${newest}.down.sql`), "utf8")).toMatch(/_prisma_migrations/);
  });
});

describe("the runbook format", () => {
  const md = (body: string) => `# T\n\n## S\n\n${body}\n`;

  it("reads markers from trailing code spans and HTML comments", () => {
    const book = parseRunbook(
      md(
        [
          "- [ ] `a.one` — Automated. `step: smoke.gmail`",
          "- [x] `a.two` — Automated too. <!-- step: env.check -->",
          "- [ ] `a.three` — Manual, optional, with `code` inside. `optional`",
          "- [ ] `a.gate` — **Go/No-Go**. `gate`",
          "- [ ] `a.sign` — Sign-off. <!-- gate: signoff -->",
          "- not an item",
        ].join("\n"),
      ),
      "t",
    );
    expect(book.title).toBe("T");
    expect(book.items.map((i) => [i.id, i.kind, i.step ?? null, i.required, i.text])).toEqual([
      ["a.one", "automated", "smoke.gmail", true, "Automated."],
      ["a.two", "automated", "env.check", true, "Automated too."],
      ["a.three", "manual", null, false, "Manual, optional, with `code` inside."],
      ["a.gate", "gate", null, true, "**Go/No-Go**."],
      ["a.sign", "signoff", null, true, "Sign-off."],
    ]);
  });

  it("rejects duplicate ids, bad ids and unknown markers with the line", () => {
    expect(() => parseRunbook(md("- [ ] `a.one` — x\n- [ ] `a.one` — y"), "t")).toThrow(
      /t\.md:6: item id "a.one" is used twice/,
    );
    expect(() => parseRunbook(md("- [ ] `A One` — x"), "t")).toThrow(RunbookError);
    expect(() => parseRunbook(md("- [ ] `a.one` — x <!-- stepp: y -->"), "t")).toThrow(/unknown marker "stepp: y"/);
    expect(() => parseRunbook("# Empty\n\nNo checklist.\n", "t")).toThrow(/no checklist items/);
  });

  it("refuses runbook names that are paths", () => {
    expect(() => loadRunbook("../package", dir)).toThrow(/not a runbook name/);
  });
});
