// Exactly-once sync under crashes and races: a Gmail back-fill (Google stand-in, real
// googleapis SDK, real Postgres) killed with SIGKILL in the middle resumes from the last
// committed cursor and ends with every message once and every unread count right; two syncs
// of one account at the same time never both run.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGmailProvider, gmailProvider } from "../../service/providers/gmail/index.ts";
import { channelProviders } from "../../service/providers/registry.ts";
import { syncAccount } from "../../service/inbox/sync.ts";
import { startGoogleStandIn, type GoogleStandIn } from "../../standins/google/index.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import type { HttpClient } from "../helpers/http.ts";
import { until } from "../helpers/realtime.ts";
import { connectGmail, groundTruth, inboxMismatches, seedThreads } from "./fixtures/gmail.ts";

const CHILD = fileURLToPath(new URL("./fixtures/sync-child.ts", import.meta.url));
const PAGE = 20;

let google: GoogleStandIn;
let app: TestApp;
let databaseUrl: string;
let user: { client: HttpClient; userId: string };

beforeAll(async () => {
  google = await startGoogleStandIn();
  databaseUrl = await isolatedDatabaseUrl();
  app = await startTestApp({ env: google.env(), databaseUrl });
  user = await signedInUser(app);
  // The same small pages in this process as in the child (the registry's provider is the
  // real Gmail provider, only with its page-size knob turned down).
  channelProviders.gmail = createGmailProvider({ pageSize: PAGE });
});

afterAll(async () => {
  channelProviders.gmail = gmailProvider;
  await app?.close();
  await google?.close();
});

/** A sync of the account in its own OS process, against the same database and stand-in. */
function syncInChild(accountId: string): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, accountId], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      DATABASE_URL: databaseUrl,
      TATU_DATA_DIR: app.ctx.config.dataDir,
      TOKEN_ENCRYPTION_KEY: app.ctx.config.tokenEncryptionKey.toString("hex"),
      TATU_SCHEDULER: "off",
      LOG_LEVEL: "silent",
      SYNC_PAGE_SIZE: String(PAGE),
      ...google.env(),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "",
    stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exited };
}

describe("kill -9 in the middle of a back-fill", () => {
  let crashedAccountId: string | undefined;
  it("resumes from the committed cursor and ends with every message exactly once", async () => {
    const email = "crash.artist@gmail.com";
    const accountId = await connectGmail(app.ctx, google, user.userId, email);
    await seedThreads(google, email, { threads: 120, perThread: 5, tag: "crash" });
    const truth = groundTruth(google, email);
    expect(truth.size).toBe(600);
    const stored = () => app.ctx.db.message.count({ where: { accountId } });

    const { child, exited } = syncInChild(accountId);
    // Kill as soon as a few pages are committed: the kill lands wherever the child is (fetching
    // the next page, or inside its transaction), which is the point.
    await until(
      async () => (await stored()) >= 3 * PAGE || child.exitCode !== null,
      25_000,
      "the child to commit some pages",
    );
    child.kill("SIGKILL");
    const dead = await exited;
    expect(dead.signal, `child exited on its own: ${dead.stdout}${dead.stderr}`).toBe("SIGKILL");

    const committed = await stored();
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(600);
    // Messages and cursor commit together: the cursor covers exactly the messages stored.
    const after = await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: accountId } });
    expect(after.syncCursor).toMatchObject({ phase: "backfill", pageToken: expect.any(String), fetched: committed });
    // The dead process still holds the lease, so nothing else syncs this account meanwhile.
    expect(after.syncLeaseUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(await syncAccount(app.ctx, { accountId, trigger: "manual" })).toEqual({ status: "busy" });

    // The lease lasts 2 minutes; rather than wait, expire it the way time would.
    await app.ctx.db.connectedAccount.update({
      where: { id: accountId },
      data: { syncLeaseUntil: new Date(Date.now() - 1000) },
    });
    const resumed = await syncAccount(app.ctx, { accountId, trigger: "manual" });
    expect(resumed).toMatchObject({ status: "ok" });
    if (resumed.status !== "ok") return;
    // It picked up at the committed cursor: only the rest was fetched, nothing twice.
    expect(resumed.fetched).toBe(600 - committed);
    expect(resumed.inserted).toBe(600 - committed);

    expect(await inboxMismatches(app.ctx, accountId, truth)).toEqual([]);
    const attachments = await app.ctx.db.attachment.groupBy({
      by: ["messageId"],
      where: { message: { accountId } },
      _count: true,
    });
    expect(attachments).toHaveLength(60);
    expect(attachments.every((a) => a._count === 1)).toBe(true);
    const account = await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: accountId } });
    expect(account).toMatchObject({
      status: "active",
      syncLeaseUntil: null,
      syncLeaseOwner: null,
      lastError: null,
      syncCursor: { phase: "incremental" },
    });

    // And the next sync finds nothing new.
    expect(await syncAccount(app.ctx, { accountId, trigger: "manual" })).toMatchObject({
      status: "ok",
      fetched: 0,
      inserted: 0,
    });
    // Overlap is harmless: a full re-walk of the window ("re-sync since") fetches all 600
    // again and changes nothing, unread counts included.
    const since = new Date(Date.now() - 30 * 86_400_000);
    expect(await syncAccount(app.ctx, { accountId, trigger: "resync", since })).toMatchObject({
      status: "ok",
      fetched: 600,
      inserted: 0,
    });
    expect(await inboxMismatches(app.ctx, accountId, truth)).toEqual([]);
    crashedAccountId = accountId;
  });

  // KNOWN BUG (fails today, left failing on purpose): the killed process's SyncRun row stays
  // "running" forever, so the account's health view shows a sync in progress that died hours
  // ago. Whoever next takes the lease knows no other run can be alive and should close it.
  it("the health view does not show the killed sync as still running", async () => {
    expect(crashedAccountId).toBeDefined();
    const health = await user.client.get(`/api/integrations/${crashedAccountId}`);
    expect(health.status).toBe(200);
    expect(health.body.account).toMatchObject({ status: "active", lastError: null });
    expect(health.body.recentSyncs.map((r: { status: string }) => r.status)).not.toContain("running");
  });
});

describe("two syncs of one account at the same time", () => {
  it("runs exactly one; the other answers busy and stores nothing twice", async () => {
    const email = "race.artist@gmail.com";
    const accountId = await connectGmail(app.ctx, google, user.userId, email);
    await seedThreads(google, email, { threads: 15, perThread: 4, tag: "race" });
    const truth = groundTruth(google, email);

    const outcomes = await Promise.all([
      syncAccount(app.ctx, { accountId, trigger: "manual" }),
      syncAccount(app.ctx, { accountId, trigger: "cron" }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["busy", "ok"]);
    expect(outcomes.find((o) => o.status === "ok")).toMatchObject({ fetched: 60, inserted: 60 });
    expect(await app.ctx.db.syncRun.count({ where: { accountId } })).toBe(1); // the busy one never started a run
    expect(await inboxMismatches(app.ctx, accountId, truth)).toEqual([]);

    // Lease released: the next sync runs (and finds nothing new).
    expect(await syncAccount(app.ctx, { accountId, trigger: "manual" })).toMatchObject({ status: "ok", inserted: 0 });
  });

  it("a sync in another process holds the lease against this one until it finishes", async () => {
    const email = "race2.artist@gmail.com";
    const accountId = await connectGmail(app.ctx, google, user.userId, email);
    await seedThreads(google, email, { threads: 40, perThread: 5, tag: "race2" });
    const truth = groundTruth(google, email);

    const { exited } = syncInChild(accountId);
    // Wait until the child has taken the lease (its first page is committed), then race it.
    await until(
      async () => (await app.ctx.db.message.count({ where: { accountId } })) > 0,
      25_000,
      "the child's first page",
    );
    const here = await syncAccount(app.ctx, { accountId, trigger: "manual" });
    const there = await exited;
    expect(there.code, there.stderr).toBe(0);
    const childOutcome = JSON.parse(there.stdout.trim());
    expect(childOutcome).toMatchObject({ status: "ok", fetched: 200, inserted: 200 });
    expect(here).toEqual({ status: "busy" });
    expect(await inboxMismatches(app.ctx, accountId, truth)).toEqual([]);
  });
});
