// With Redis the outbox is drained by the BullMQ worker ("send-notifications" jobs), not inline;
// a row whose kick was lost is picked up by the sync-messages cron's sweep.
import { describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { suiteResources } from "../helpers/suite.ts";
import { recordNotifications } from "../../service/notifications/index.ts";
import { signedInOverSmtp, startMailbox, type Mailbox } from "./mailbox.ts";

let mailbox: Mailbox, app: TestApp;
suiteResources(async (track) => {
  mailbox = track(await startMailbox());
  app = track(await startTestApp({ redis: true, env: mailbox.env() }));
  const stop = app.ctx.queue.startWorker(app.ctx, 2);
  track({ close: stop });
});

describe("notifications through the BullMQ worker", () => {
  it("a request's notifications are sent by the worker, and the cron sweep sends one whose kick was lost", async () => {
    expect(app.ctx.queue.mode).toBe("bullmq");
    const artist = await signedInOverSmtp(app, mailbox, "artist", "Ari");
    const customer = await signedInOverSmtp(app, mailbox, "customer", "Cam");
    await app.ctx.db.artistProfile.create({ data: { userId: artist.userId, displayName: "Ari", visible: true } });
    const res = await customer.client.post("/api/bookings/requests", {
      artistId: artist.userId,
      idea: "Moth",
      placement: "chest",
      size: "15 cm",
    });
    expect(res.status).toBe(201);
    await mailbox.waitFor(artist.email, /^New booking request from Cam$/);
    await mailbox.waitFor(customer.email, /^Your request to Ari was sent$/);

    // Committed, then the process died before its kick: only the sweep knows.
    await app.ctx.db.$transaction(async (tx) => {
      await tx.bookingRequest.update({ where: { id: res.body.id }, data: { status: "declined" } });
      await recordNotifications(app.ctx, tx, { type: "request_declined", requestId: res.body.id });
    });
    const cron = await app
      .client()
      .get("/api/cron/sync-messages", { authorization: `Bearer ${app.ctx.config.cronSecret}` });
    expect(cron.status).toBe(200);
    await mailbox.waitFor(customer.email, /^Ari cannot take your request$/);
    expect(mailbox.to(customer.email).filter((m) => m.subject === "Ari cannot take your request")).toHaveLength(1);
  });
});
