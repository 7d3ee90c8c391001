// The runbook engine through the real CLI: confirmations, resume after kill -9, skips, gates,
// overrides and sign-off, with state and launch log checked on disk.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import {
  BIN,
  onlyRun,
  removeSandboxes,
  ROLES,
  ROOT,
  runsOf,
  sandbox,
  TARGET,
  tatu,
  type Sandbox,
} from "./runbook-helpers.ts";

afterAll(removeSandboxes);

/** `tatu runbook run <name>` against the unreachable TARGET, with `args` after. */
const runbook = (sb: Sandbox, name: string, args: string[], opts?: { env?: Record<string, string> }) =>
  tatu(sb, ["runbook", "run", name, ...TARGET, ...args], opts);

/** The demo runbook's Go/No-Go, approved up front (a gate never passes on its own). */
const APPROVE_GATE = ["--approve", "first.gate"];

const until = async (check: () => boolean, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("non-interactive confirmations", () => {
  it("fails a manual item without --yes --reason (exit 2), keeping what already passed", async () => {
    const sb = sandbox();
    const res = await runbook(sb, "demo", [...APPROVE_GATE, "--json"]);
    expect(res.exitCode).toBe(2);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ ok: false, exitCode: 2 });
    expect(out.error).toMatch(/first\.manual.*--yes --reason/);
    const run = onlyRun(sb);
    expect(Object.keys(run.state.items)).toEqual(["first.ok", "first.ok2", "first.slow"]);
    expect(run.state.items["first.manual"]).toBeUndefined();

    const yesOnly = await runbook(sb, "demo", [...APPROVE_GATE, "--resume", "--yes"]);
    expect(yesOnly.exitCode).toBe(2); // --yes alone is not enough: the reason is what gets logged

    const confirmed = await runbook(sb, "demo", [
      ...APPROVE_GATE,
      "--resume",
      "--yes",
      "--reason",
      "checked on the staging dashboard",
    ]);
    expect(confirmed.exitCode).toBe(0);
    const after = onlyRun(sb);
    expect(after.state.items["first.manual"]).toMatchObject({
      outcome: "confirmed",
      confirmedBy: "tester",
      reason: "checked on the staging dashboard",
    });
    expect(after.log.find((e) => e.item === "first.manual")).toMatchObject({
      type: "item",
      outcome: "confirmed",
      reason: "checked on the staging dashboard",
      operator: "tester",
    });
    expect(runsOf(sb).filter((r) => r === "test.ok2")).toHaveLength(1); // not repeated by either resume
  }, 60_000);
});

describe("resume", () => {
  it("after kill -9 mid-step, --resume repeats only the unfinished item", async () => {
    const sb = sandbox();
    const child = execa(
      "node",
      [BIN, "runbook", "run", "demo", ...TARGET, ...APPROVE_GATE, "--yes", "--reason", "rehearsed"],
      {
        cwd: sb.dir,
        reject: false,
        extendEnv: false,
        env: { ...sb.env, TEST_SLOW_MS: "60000" },
      },
    );
    await until(() => fs.existsSync(sb.marker), 30_000, "the slow step to start");
    child.kill("SIGKILL");
    const killed = await child;
    expect(killed.signal).toBe("SIGKILL");

    const mid = onlyRun(sb);
    expect(mid.state.status).toBe("running");
    expect(mid.state.items).toMatchObject({ "first.ok": { outcome: "passed" }, "first.ok2": { outcome: "passed" } });
    expect(mid.state.items["first.slow"]).toBeUndefined();
    expect(fs.readdirSync(mid.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]); // no half-written state

    const resumed = await runbook(
      sb,
      "demo",
      [...APPROVE_GATE, "--resume", "--yes", "--reason", "rehearsed", "--json"],
      {
        env: { TEST_SLOW_MS: "0" },
      },
    );
    expect(resumed.exitCode).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({ verdict: "GO", runId: mid.id });
    // Before the kill: ok, ok2, slow. After: slow again, then last.ok (another section) — never first.ok/ok2 again.
    expect(runsOf(sb)).toEqual(["test.ok", "test.ok2", "test.slow", "test.slow", "test.ok"]);
    const end = onlyRun(sb);
    expect(end.state.items["first.ok"].attempts).toBe(1);
    expect(end.log.filter((e) => e.type === "run.resume")).toEqual([
      expect.objectContaining({ done: ["first.ok", "first.ok2"] }),
    ]);
    expect(end.log.filter((e) => e.type === "run.start")).toHaveLength(1); // the same run, appended to
  }, 90_000);

  it("refuses --resume when there is nothing to resume", async () => {
    const sb = sandbox();
    const res = await runbook(sb, "demo", [...APPROVE_GATE, "--resume"]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/no earlier run of "demo"/);
  }, 30_000);
});

describe("skips", () => {
  it("need a reason, which is recorded", async () => {
    const sb = sandbox();
    const bare = await runbook(sb, "demo", [...APPROVE_GATE, "--skip", "first.manual"]);
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toMatch(/a reason is required/);
    const empty = await runbook(sb, "demo", [...APPROVE_GATE, "--skip", "first.manual= "]);
    expect(empty.exitCode).toBe(2);

    const ok = await runbook(sb, "demo", [
      ...APPROVE_GATE,
      "--skip",
      "first.manual=owner is on leave, covered by first.ok",
      "--yes",
    ]);
    expect(ok.exitCode).toBe(0);
    const run = onlyRun(sb);
    expect(run.state.items["first.manual"]).toMatchObject({
      outcome: "skipped",
      reason: "owner is on leave, covered by first.ok",
    });
    expect(run.md).toMatch(/first\.manual.*skipped.*owner is on leave/);
  }, 60_000);
});

describe("Go/No-Go gates", () => {
  it("block on a failed or missing required item; only the Release Commander overrides, with a logged reason", async () => {
    const sb = sandbox();
    const blocked = await runbook(sb, "failing", [...ROLES, "--yes", "--reason", "seen", "--json"]);
    expect(blocked.exitCode).toBe(1);
    const summary = JSON.parse(blocked.stdout);
    expect(summary).toMatchObject({ verdict: "NO-GO", status: "blocked" });
    const item = (id: string) => summary.items.find((i: { id: string }) => i.id === id);
    expect(item("check.broken")).toMatchObject({ outcome: "failed", summary: "it broke" });
    expect(item("check.unknown")).toMatchObject({ outcome: "missing", summary: 'no step registered for "test.nope"' });
    expect(item("check.optional").outcome).toBe("confirmed");
    expect(item("check.gate")).toMatchObject({ outcome: "blocked" });
    expect(item("after.ok").outcome).toBe("pending");
    expect(runsOf(sb)).not.toContain("test.ok");
    const gateEntry = onlyRun(sb).log.find((e) => e.type === "gate");
    expect(gateEntry).toMatchObject({ decision: "blocked", failed: ["check.broken", "check.unknown"] });

    const overrideGate = (by: string, reason: string, ...more: string[]) =>
      runbook(sb, "failing", ["--resume", "--override", `check.gate=${reason}`, "--override-by", by, ...more]);
    const notRc = await overrideGate("Mallory", "known flaky check");
    expect(notRc.exitCode).toBe(2);
    expect(notRc.stderr).toMatch(/only the Release Commander \(Ada\)/);

    const overridden = await overrideGate("Ada", "known flaky check, fix tracked in #42", "--yes", "--json");
    expect(overridden.exitCode).toBe(0);
    expect(JSON.parse(overridden.stdout).verdict).toBe("GO");
    const run = onlyRun(sb);
    expect(run.state.items["check.gate"]).toMatchObject({
      outcome: "overridden",
      overriddenBy: "Ada",
      reason: "known flaky check, fix tracked in #42",
    });
    expect(run.log.filter((e) => e.type === "gate").at(-2)).toMatchObject({
      decision: "overridden",
      overriddenBy: "Ada",
      reason: "known flaky check, fix tracked in #42",
      failed: ["check.broken", "check.unknown"],
    });
    expect(run.md).toMatch(/check\.gate.*OVERRIDDEN.*overridden by Ada: known flaky check/);
    expect(run.state.items["check.broken"].outcome).toBe("failed"); // the override does not rewrite history
  }, 90_000);

  it("never pass on their own: without the Release Commander's GO a non-interactive run stops at the gate (exit 2); --approve is logged with who and when", async () => {
    const sb = sandbox();
    const unapproved = await runbook(sb, "demo", ["--yes", "--reason", "seen", "--json"]);
    expect(unapproved.exitCode).toBe(2);
    expect(JSON.parse(unapproved.stdout).error).toMatch(
      /first\.gate: Go\/No-Go needs the Release Commander's decision .*--approve first\.gate/,
    );
    expect(onlyRun(sb).state.items["first.gate"]).toBeUndefined();
    expect(runsOf(sb).filter((r) => r === "test.ok")).toHaveLength(1); // nothing after the gate ran

    const approved = await runbook(sb, "demo", ["--resume", ...APPROVE_GATE, "--yes", "--reason", "seen", "--json"]);
    expect(approved.exitCode).toBe(0);
    const run = onlyRun(sb);
    expect(run.state.items["first.gate"]).toMatchObject({ outcome: "go", confirmedBy: "tester" });
    expect(run.log.find((e) => e.type === "gate")).toMatchObject({
      decision: "go",
      approvedBy: "tester",
      approvedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(run.md).toMatch(/first\.gate.*GO given by tester/);

    // --approve never turns a blocked gate green, and names only gates.
    const sb2 = sandbox();
    const blocked = await runbook(sb2, "failing", [
      ...ROLES,
      "--approve",
      "check.gate",
      "--yes",
      "--reason",
      "seen",
      "--json",
    ]);
    expect(blocked.exitCode).toBe(1);
    expect(onlyRun(sb2).state.items["check.gate"]).toMatchObject({ outcome: "blocked" });
    const notAGate = await runbook(sandbox(), "demo", ["--approve", "first.ok"]);
    expect(notAGate.exitCode).toBe(2);
    expect(notAGate.stderr).toMatch(/--approve first\.ok: not a Go\/No-Go gate of demo/);
  }, 90_000);

  it("asks for the roles up front when the runbook records them (exit 2 without the flags)", async () => {
    const sb = sandbox();
    const res = await runbook(sb, "failing", ["--release-commander", "Ada"]);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/--backend, --frontend, --qa, --observer, --window/);
  }, 30_000);
});

describe("sign-off", () => {
  it("is refused while a Sev-2 incident is open, and given once it is resolved", async () => {
    const sb = sandbox();
    const incident = await tatu(sb, [
      "log",
      "incident",
      "Webhook 5xx spike on /api/webhooks/twilio",
      "--sev",
      "2",
      "--json",
    ]);
    expect(incident.exitCode).toBe(0);
    const id = JSON.parse(incident.stdout).incident.id;
    expect(id).toBe("INC-1");
    const minor = await tatu(sb, ["log", "incident", "Typo on the login page", "--sev", "3"]);
    expect(minor.exitCode).toBe(0);

    const refused = await runbook(sb, "demo", [...APPROVE_GATE, "--yes", "--reason", "ok", "--json"]);
    expect(refused.exitCode).toBe(1);
    const signoff = JSON.parse(refused.stdout).items.find((i: { id: string }) => i.id === "last.signoff");
    expect(signoff).toMatchObject({ outcome: "blocked" });
    expect(signoff.summary).toMatch(/open Sev-1\/Sev-2 incident\(s\): INC-1 \(Sev-2: Webhook 5xx spike/);
    expect(signoff.summary).not.toMatch(/Typo/); // Sev-3 does not block
    expect(onlyRun(sb).log.find((e) => e.type === "signoff")).toMatchObject({ decision: "refused" });

    const badSev = await tatu(sb, ["log", "incident", "x", "--sev", "7"]);
    expect(badSev.exitCode).toBe(2);
    const resolved = await tatu(sb, [
      "log",
      "mitigation",
      "Rolled back the Twilio webhook change",
      "--incident",
      id,
      "--resolve",
    ]);
    expect(resolved.exitCode).toBe(0);
    const signed = await runbook(sb, "demo", [...APPROVE_GATE, "--resume", "--yes", "--json"]);
    expect(signed.exitCode).toBe(0);
    const run = onlyRun(sb);
    expect(run.log.map((e) => e.type)).toEqual(expect.arrayContaining(["mitigation", "signoff"]));
    expect(run.log.filter((e) => e.type === "signoff").map((e) => e.decision)).toEqual(["refused", "signed"]);
    const list = JSON.parse((await tatu(sb, ["log", "incidents", "--json"])).stdout).incidents;
    expect(list.map((i: { id: string; open: boolean }) => [i.id, i.open])).toEqual([
      ["INC-1", false],
      ["INC-2", true],
    ]);
  }, 90_000);
});

describe("exit codes and listing", () => {
  it("exits 3 when the target cannot be reached, with the JSON summary printed", async () => {
    const sb = sandbox();
    const res = await tatu(
      sb,
      ["runbook", "run", "signup-smoke", "--url", "http://127.0.0.1:9", "--yes", "--reason", "dry run", "--json"],
      { env: { TATU_RUNBOOKS_DIR: path.join(ROOT, "runbooks") } },
    );
    expect(res.exitCode).toBe(3);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ ok: false, exitCode: 3, verdict: "NO-GO" });
    expect(out.items.find((i: { id: string }) => i.id === "signup.create-customer").summary).toMatch(/unreachable/);
    // Items sharing one step in a section run it once.
    expect(
      out.items.filter((i: { summary: string }) =>
        /same run of smoke\.signup as signup\.create-customer/.test(i.summary),
      ),
    ).toHaveLength(6);
  }, 60_000);

  it("lists runbooks and shows items, flagging steps that are not registered", async () => {
    const sb = sandbox();
    const list = JSON.parse((await tatu(sb, ["runbook", "list", "--json"])).stdout);
    expect(list.runbooks.map((b: { name: string }) => b.name)).toEqual(["demo", "failing"]);
    const show = await tatu(sb, ["runbook", "show", "failing", "--json"]);
    const items = JSON.parse(show.stdout).items;
    expect(items.find((i: { id: string }) => i.id === "check.unknown")).toMatchObject({
      step: "test.nope",
      stepRegistered: false,
    });
    expect(items.find((i: { id: string }) => i.id === "check.broken")).toMatchObject({
      step: "test.fail",
      stepRegistered: true,
    });
    const human = await tatu(sb, ["runbook", "show", "failing"]);
    expect(human.stdout).toMatch(/check\.unknown\s+\[step test\.nope \(no step registered\)\]/);
    const missing = await tatu(sb, ["runbook", "show", "nope"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/no runbook "nope".*have: demo, failing/);
  }, 60_000);
});
