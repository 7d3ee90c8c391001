// `tatu launch --rehearse` end to end, as a user runs it: one command, no credentials, no
// network beyond loopback. Every automated item of the launch runbook executes for real against
// the embedded service and the stand-ins; the simulated incident takes the rollback path.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { expect, it } from "vitest";
import { loadRunbook } from "../../cli/runbook/parse.ts";
import { BIN, ROOT } from "./runbook-helpers.ts";

it("rehearses the whole launch: GO, every automated item run, rollback path taken, logs written", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tatu-rehearse-test-"));
  const launchDir = path.join(dir, "launch");
  const started = Date.now();
  // Only PATH and HOME: no provider credentials, no DATABASE_URL, no REDIS_URL.
  const res = await execa("node", [BIN, "launch", "--rehearse", "--json"], {
    cwd: ROOT,
    reject: false,
    extendEnv: false,
    timeout: 240_000,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? dir,
      CI: "true",
      NO_COLOR: "1",
      TATU_LAUNCH_DIR: launchDir,
      TATU_OPERATOR: "ci-rehearsal",
    },
  });
  const wallMs = Date.now() - started;
  let out: any;
  try {
    out = JSON.parse(res.stdout);
  } catch {
    throw new Error(`no JSON summary (exit ${res.exitCode}):\n${res.stdout}\n${res.stderr}`);
  }
  const r = out.rehearsalReport ?? {};
  console.log(
    `tatu launch --rehearse: ${(wallMs / 1000).toFixed(1)} s wall; ${(r.processWallMs / 1000).toFixed(1)} s in the process; phases ${JSON.stringify(r.timings)}; database ${r.databaseTemplate}`,
  );

  const launch = loadRunbook("launch", path.join(ROOT, "runbooks"));
  const byId = new Map<string, any>(out.items.map((i: { id: string }) => [i.id, i]));
  const notGood = out.items.filter(
    (i: any) =>
      !["passed", "confirmed", "skipped", "go", "overridden"].includes(i.outcome) &&
      !["t24.env-vars", "t24.vercel-env"].includes(i.id),
  );
  expect(notGood, JSON.stringify(notGood, null, 2)).toEqual([]);
  expect({ exitCode: res.exitCode, verdict: out.verdict }).toEqual({ exitCode: 0, verdict: "GO" });

  for (const item of launch.items) {
    const got = byId.get(item.id);
    if (item.kind === "manual")
      expect(got, item.id).toMatchObject({ outcome: "confirmed", summary: "rehearsal: auto-confirmed" });
    if (item.kind === "automated" && item.id !== "t2h.yahoo")
      expect(["passed", "failed"], `${item.id}: ${got.summary}`).toContain(got.outcome);
  }
  // Yahoo needs a real IMAP server: the local Dovecot peer when this machine has one (it does
  // where the test suite runs), otherwise a skip that says so — never a faked pass.
  const yahoo = byId.get("t2h.yahoo");
  if (yahoo.outcome === "skipped") expect(yahoo.reason).toMatch(/no IMAP\/CalDAV server given/);
  else
    expect(yahoo).toMatchObject({
      outcome: "passed",
      summary: expect.stringMatching(
        /yahoo: connected, healthy, imap login, imap status INBOX, inbound, reply, manual sync, round trip ok/,
      ),
    });
  // Every channel smoke's inbound check ran and passed: the rehearsal's customer mailed, texted
  // and sent the one-time codes nobody was there to send.
  for (const id of ["t2h.gmail", "t2h.outlook", "t2h.hotmail", "t0.sms", "t0.facebook", "t0.instagram", "t0.twitter"])
    expect(byId.get(id), id).toMatchObject({ outcome: "passed", summary: expect.stringMatching(/\binbound\b/) });
  // The one thing a rehearsal cannot have is SMTP (mail goes to the dev outbox): the env check
  // fails for exactly that, and Go/No-Go #1 goes through on the Release Commander's logged override.
  const env = byId.get("t24.env-vars");
  const vercel = byId.get("t24.vercel-env");
  if (vercel.outcome === "failed") expect(vercel.summary).toMatch(/; 1 required missing \(SMTP_URL\)$/);
  if (env.outcome === "failed") {
    expect(env.summary).toMatch(/1 required missing \(SMTP_URL\); 0 invalid/);
    expect(byId.get("t30.go-no-go-1")).toMatchObject({
      outcome: "overridden",
      reason: expect.stringMatching(/SMTP_URL is deliberately unset/),
    });
  }
  // No person in a rehearsal: the gates are approved as "rehearsal", and the log says so.
  expect(byId.get("t0.go-no-go-2")).toMatchObject({
    outcome: "go",
    summary: expect.stringMatching(/approved as rehearsal/),
  });
  expect(byId.get("signoff.final")).toMatchObject({
    outcome: "go",
    summary: expect.stringMatching(/no open Sev-1\/Sev-2/),
  });

  const report = out.rehearsalReport;
  expect(report.incidentBlockedSignoff).toBe(true);
  expect(report.rollback.verdict).toBe("GO");
  expect(report.rollback.items.filter((i: any) => i.step).map((i: any) => [i.step, i.outcome])).toEqual([
    ["cron.disable-sync", "passed"],
    ["provider.disable", "passed"],
    ["rollback.vercel", "passed"],
    ["health.ready", "passed"],
    ["cron.enable-all", "passed"],
  ]);

  // The launch log, for people and for machines, inside the rehearsal's own folder.
  const md = fs.readFileSync(out.log.markdown, "utf8");
  expect(md).toMatch(/# Launch log — launch \(rehearsal\)/);
  expect(md).toMatch(/incident `INC-1` \| 🚨 Sev-2/);
  expect(md).toMatch(/mitigation `INC-1` \| resolved/);
  expect(md).toMatch(/\*\*sign-off\*\* \| ✍️ signed/);
  expect(md).toMatch(/`t0\.go-no-go-2` \*\*gate\*\*.*approved as rehearsal/);
  expect(md).toMatch(/\*\*Result: GO\*\*/);
  const jsonl = fs
    .readFileSync(out.log.jsonl, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(jsonl.filter((e) => e.type === "item")).toHaveLength(
    launch.items.filter((i) => i.kind !== "gate" && i.kind !== "signoff").length,
  );
  expect(path.dirname(path.dirname(out.log.markdown))).toBe(report.launchDir);
  expect(report.launchDir.startsWith(launchDir)).toBe(true);
  // The simulated incident stays in the rehearsal folder: the real launch's sign-off never sees it.
  expect(fs.existsSync(path.join(launchDir, "incidents.jsonl"))).toBe(false);

  // Stand-in secrets (Stripe keys, webhook secrets) never reach the output or the logs.
  for (const text of [res.stdout, res.stderr, md, JSON.stringify(jsonl)])
    expect(text).not.toMatch(/whsec_[0-9a-f]{16,}|sk_test_[0-9a-f]{16,}/);
  fs.rmSync(dir, { recursive: true, force: true });
}, 300_000);
