// Stored webhook events processed as one batch (what a "process-webhooks" job and the inline
// processor do): every message lands once and is announced on the artist's WebSocket, a
// replayed batch changes nothing, a batch re-run after a crash between its ingest and its
// bookkeeping stores nothing twice, and one poison event fails alone while the rest commit.
import { afterAll, beforeAll, expect, it } from "vitest";
import { newPsid, startMetaStandIn, type MetaStandIn } from "../../standins/meta/index.ts";
import { channelProvider, webhookHandler } from "../../service/providers/registry.ts";
import { providerEnv, upsertAccount } from "../../service/integrations/accounts.ts";
import type { WebhookItem } from "../../service/providers/kit/webhook.ts";
import { storeItems } from "../../service/webhooks/store.ts";
import { processWebhookBatch, processWebhookEvent } from "../../service/webhooks/process.ts";
import { ingestMessages } from "../../service/inbox/ingest.ts";
import { isolatedDatabaseUrl, startTestApp, type TestApp } from "../helpers/app.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { openSocket, until, type Socket } from "../helpers/realtime.ts";

let meta: MetaStandIn;
let app: TestApp;
let page: ReturnType<MetaStandIn["addPage"]>;
let accountId: string;
let socket: Socket;

beforeAll(async () => {
  meta = await startMetaStandIn();
  // Without Redis the route would process these itself; here the test calls the batch directly.
  app = await startTestApp({ databaseUrl: await isolatedDatabaseUrl(), env: meta.env() });
  const artist = await signedInUser(app, { role: "artist" });
  page = meta.addPage(meta.addUser({ name: "Batch Owner" }).id, { name: "Batch Tattoo" });
  const account = await upsertAccount(app.ctx, artist.userId, channelProvider("facebook")!, {
    externalId: page.id,
    address: page.name,
    displayName: page.name,
    credentials: { pageAccessToken: page.accessToken, pageId: page.id },
    scopes: ["pages_messaging"],
  });
  accountId = account.id;
  socket = await openSocket(app.url, artist.client);
}, 60_000);
afterAll(async () => {
  socket?.close();
  await app?.close();
  await meta?.close();
});

/** Parsed like the route parses a signed Messenger delivery. */
function parsed(payload: unknown): WebhookItem[] {
  const body = Buffer.from(JSON.stringify(payload));
  return webhookHandler("facebook")!.parse(providerEnv(app.ctx), { rawBody: body, headers: {}, publicUrl: "" });
}
function items(n: number, tag: string): WebhookItem[] {
  return Array.from({ length: n }, (_, i) =>
    parsed(meta.customerMessage(page.id, { psid: newPsid(), text: `${tag} ${i}` })),
  ).flat();
}
const stored = (list: WebhookItem[]) => storeItems(app.ctx, "facebook", list);
const messages = (tag: string) =>
  app.ctx.db.message.findMany({
    where: { accountId, text: { startsWith: `${tag} ` } },
    select: { id: true, externalId: true },
  });
/** The message.created events received so far for these message ids. */
const announcedOf = (messageIds: string[]) => {
  const want = new Set(messageIds);
  return socket.events.filter((e) => e.type === "message.created" && want.has(e.messageId));
};
const rows = (ids: string[]) =>
  app.ctx.db.webhookEvent.findMany({
    where: { id: { in: ids } },
    select: { id: true, status: true, attempts: true, error: true },
  });

it("a batch stores every message once and announces each one (not a sync summary)", async () => {
  const ids = await stored(items(60, "batch"));
  expect(ids).toHaveLength(60);
  const { outcomes, failed } = await processWebhookBatch(app.ctx, ids);
  expect(failed.size).toBe(0);
  expect([...outcomes.values()].every((o) => o === "processed")).toBe(true);
  const got = await messages("batch");
  expect(got).toHaveLength(60);
  expect(new Set(got.map((m) => m.externalId)).size).toBe(60);
  expect((await rows(ids)).every((r) => r.status === "processed" && r.attempts === 1)).toBe(true);
  // Live traffic: one message.created per message, even past the 50 a back-fill page summarises.
  await until(() => announcedOf(got.map((m) => m.id)).length === 60, 10_000, "60 message.created events");
  expect(socket.events.some((e) => e.type === "inbox.synced")).toBe(false);

  // A replay of the whole batch (or the sweep finding it) changes nothing.
  const again = await processWebhookBatch(app.ctx, ids);
  expect([...again.outcomes.values()].every((o) => o === "already")).toBe(true);
  expect(await messages("batch")).toHaveLength(60);
  expect((await rows(ids)).every((r) => r.attempts === 1)).toBe(true);
});

it("a batch re-run after a crash between its ingest and its bookkeeping stores nothing twice", async () => {
  const list = items(30, "crash");
  const ids = await stored(list);
  // The first 12 got as far as the committed ingest; the statement recording their outcome never ran.
  await processWebhookBatch(app.ctx, ids.slice(0, 12));
  await app.ctx.db.webhookEvent.updateMany({
    where: { id: { in: ids.slice(0, 12) } },
    data: { status: "received", processedAt: null },
  });
  const firstExternal = new Set(list.slice(0, 12).map((i) => i.eventId));
  const first = (await messages("crash")).filter((m) => firstExternal.has(m.externalId)).map((m) => m.id);
  expect(first).toHaveLength(12);
  await until(() => announcedOf(first).length === 12, 10_000, "the first 12 announced");

  const { outcomes, failed } = await processWebhookBatch(app.ctx, ids);
  expect(failed.size).toBe(0);
  expect(ids.map((id) => outcomes.get(id))).toEqual(ids.map(() => "processed"));
  const got = await messages("crash");
  expect(got).toHaveLength(30);
  expect(new Set(got.map((m) => m.externalId)).size).toBe(30);
  expect((await rows(ids)).every((r) => r.status === "processed")).toBe(true);
  // The re-run announces the 18 messages it stored, and the first 12 only the once.
  await until(() => announcedOf(got.map((m) => m.id)).length >= 30, 10_000, "30 message.created events");
  expect(announcedOf(got.map((m) => m.id))).toHaveLength(30);
  expect(announcedOf(first)).toHaveLength(12);
});

it("a poison event fails alone and is retried alone; the rest of its batch commits", async () => {
  const good = items(20, "poison-batch");
  // A stored payload this release cannot ingest (e.g. written by an older release): its date is garbage.
  const [bad] = items(1, "poisoned");
  const poison = { ...bad!, message: { ...bad!.message!, sentAt: "not a date" as unknown as Date } };
  const ids = await stored([...good.slice(0, 10), poison, ...good.slice(10)]);
  const poisonId = ids[10]!;

  const { outcomes, failed } = await processWebhookBatch(app.ctx, ids);
  expect([...failed.keys()]).toEqual([poisonId]);
  expect(ids.filter((id) => id !== poisonId).map((id) => outcomes.get(id))).toEqual(good.map(() => "processed"));
  expect(await messages("poison-batch")).toHaveLength(20);
  expect(await messages("poisoned")).toHaveLength(0);
  const after = new Map((await rows(ids)).map((r) => [r.id, r]));
  expect(after.get(poisonId)).toMatchObject({ status: "failed", attempts: 1, error: expect.any(String) });
  expect(ids.filter((id) => id !== poisonId).every((id) => after.get(id)!.status === "processed")).toBe(true);

  // Retried alone (its own job): it fails again, counted, and nothing else is touched.
  await expect(processWebhookEvent(app.ctx, poisonId)).rejects.toThrow();
  expect((await rows([poisonId]))[0]).toMatchObject({ status: "failed", attempts: 2 });
  expect(await messages("poison-batch")).toHaveLength(20);
  expect((await rows(ids.filter((id) => id !== poisonId))).every((r) => r.attempts === 1)).toBe(true);
});

it("a message carrying a NUL character is stored (as U+FFFD) without failing the webhooks stored with it", async () => {
  const [withNul, ...others] = items(3, "nul");
  const odd = { ...withNul!, message: { ...withNul!.message!, text: "nul \u0000 inside" } };
  // Concurrent acknowledgements share one INSERT: the odd one must not fail its companions.
  const ids = (await Promise.all([odd, ...others].map((i) => stored([i])))).flat();
  expect(ids).toHaveLength(3);
  const { failed } = await processWebhookBatch(app.ctx, ids);
  expect(failed.size).toBe(0);
  const texts = (
    await app.ctx.db.message.findMany({ where: { accountId, text: { startsWith: "nul " } }, select: { text: true } })
  ).map((m) => m.text);
  expect(texts.sort()).toEqual(["nul 1", "nul 2", "nul \ufffd inside"]);
});

it("the statuses of a batch are applied in one go, forward only; one about an unrecorded message waits alone", async () => {
  // Three replies the artist sent (as the send path records them).
  const psid = newPsid();
  const sent = ["m_sent_a", "m_sent_b", "m_sent_c"];
  const [incoming] = items(1, "status-thread");
  await ingestMessages(
    app.ctx,
    {
      id: accountId,
      userId: (await app.ctx.db.connectedAccount.findUniqueOrThrow({ where: { id: accountId } })).userId,
      channel: "facebook",
      identityKind: channelProvider("facebook")!.identityKind,
    },
    sent.map((externalId, i) => ({
      ...incoming!.message!,
      externalId,
      direction: "outbound" as const,
      from: { handle: page.id, name: page.name },
      to: [{ handle: psid }],
      text: `reply ${i}`,
      sentAt: new Date(Date.now() - 60_000 + i),
    })),
    { maxAttachmentBytes: 1024 * 1024 },
  );
  const ids = await stored([
    ...parsed(meta.deliveryReceipt(page.id, { psid, mids: ["m_sent_a", "m_sent_b"] })),
    ...parsed(meta.deliveryReceipt(page.id, { psid, mids: ["m_not_sent_yet"] })),
    ...items(2, "with-statuses"),
  ]);
  expect(ids).toHaveLength(5);
  const { outcomes, failed } = await processWebhookBatch(app.ctx, ids);
  expect(failed.size).toBe(0);
  expect(ids.map((id) => outcomes.get(id))).toEqual(["processed", "processed", "retry", "processed", "processed"]);
  const statuses = await app.ctx.db.message.findMany({
    where: { accountId, externalId: { in: sent } },
    select: { externalId: true, status: true },
    orderBy: { externalId: "asc" },
  });
  expect(statuses.map((m) => m.status)).toEqual(["delivered", "delivered", "sent"]);
  expect((await rows([ids[2]!]))[0]).toMatchObject({ status: "received", error: expect.stringMatching(/waiting/) });
  await until(
    () => socket.events.filter((e) => e.type === "message.status" && e.status === "delivered").length >= 2,
    10_000,
    "two message.status events",
  );
});
