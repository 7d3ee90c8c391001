// /api/notifications/preferences: each person's own settings, bad input answered field by field,
// transactional notifications never silenced on every channel, texts only with a number.
import { describe, expect, it } from "vitest";
import { startTwilioStandIn, type TwilioStandIn } from "../../standins/twilio/index.ts";
import { signedInUser } from "../helpers/accounts.ts";
import { startTestApp, withTestApp, type TestApp } from "../helpers/app.ts";
import { suiteResources } from "../helpers/suite.ts";

let app: TestApp, twilio: TwilioStandIn;
suiteResources(async (track) => {
  twilio = track(await startTwilioStandIn());
  app = track(await startTestApp({ env: twilio.env() }));
});

const PATH = "/api/notifications/preferences";

describe("notification preferences", () => {
  it("needs a session", async () => {
    expect((await app.client().get(PATH)).status).toBe(401);
    expect((await app.client().put(PATH, { kinds: {} })).status).toBe(401);
  });

  it("shows each role the notifications it receives, email on and texts off by default", async () => {
    const artist = await signedInUser(app, { role: "artist" });
    const customer = await signedInUser(app, { role: "customer" });
    const a = (await artist.client.get(PATH)).body;
    const c = (await customer.client.get(PATH)).body;
    expect(a).toMatchObject({ phone: null, smsAvailable: true });
    expect(a.kinds.map((k: { kind: string }) => k.kind)).toEqual([
      "request_received",
      "booking_confirmed",
      "rescheduled",
      "cancelled",
      "reschedule_requested",
    ]);
    expect(c.kinds.map((k: { kind: string }) => k.kind)).toEqual([
      "request_acknowledged",
      "times_offered",
      "request_declined",
      "booking_confirmed",
      "rescheduled",
      "cancelled",
      "deposit_receipt",
      "reschedule_declined",
      "no_show",
      "artist_message",
    ]);
    expect(c.kinds.find((k: { kind: string }) => k.kind === "deposit_receipt")).toMatchObject({
      email: true,
      sms: false,
      transactional: true,
    });
  });

  it("answers bad input with 400 and a message per field, saving nothing", async () => {
    const customer = await signedInUser(app, { role: "customer" });
    const bad = async (body: unknown) => {
      const res = await customer.client.put(PATH, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      return res.body.error.fields as Record<string, string>;
    };
    expect(await bad({ phone: "0151 123" })).toHaveProperty("phone");
    expect(Object.keys(await bad({ kinds: { no_such_kind: { email: true, sms: false } } }))[0]).toMatch(/^kinds/);
    expect(await bad({ kinds: { rescheduled: { email: "yes", sms: false } } })).toHaveProperty([
      "kinds.rescheduled.email",
    ]);
    expect(await bad({ kinds: {}, extra: 1 })).toBeDefined();
    // Texts need a number.
    expect(await bad({ kinds: { rescheduled: { email: true, sms: true } } })).toEqual({
      "kinds.rescheduled.sms": "Add a phone number to get texts.",
    });
    // Transactional ones keep at least one channel.
    expect(await bad({ kinds: { cancelled: { email: false, sms: false } } })).toEqual({
      "kinds.cancelled": "Appointment cancelled cannot be switched off: keep email or texts on.",
    });
    // A customer does not receive the artist's "new request".
    expect(await bad({ kinds: { request_received: { email: false, sms: false } } })).toHaveProperty([
      "kinds.request_received",
    ]);
    // Removing the number that a transactional kind's only channel depends on.
    await customer.client.put(PATH, {
      phone: "+4915100000001",
      kinds: { deposit_receipt: { email: false, sms: true } },
    });
    expect(await bad({ phone: null })).toEqual({
      "kinds.deposit_receipt.sms": "Add a phone number to get texts.",
      "kinds.deposit_receipt": "Deposit receipt cannot be switched off: keep email or texts on.",
    });
    expect((await customer.client.get(PATH)).body.phone).toBe("+4915100000001");
  });

  it("saves a partial change and returns the whole set; nobody else's settings move", async () => {
    const one = await signedInUser(app, { role: "customer" });
    const two = await signedInUser(app, { role: "customer" });
    const res = await one.client.put(PATH, {
      phone: "+4915100000002",
      kinds: { times_offered: { email: false, sms: true }, rescheduled: { email: false, sms: false } },
    });
    expect(res.status).toBe(200);
    expect(res.body.phone).toBe("+4915100000002");
    const byKind = Object.fromEntries(res.body.kinds.map((k: { kind: string }) => [k.kind, k]));
    expect(byKind.times_offered).toMatchObject({ email: false, sms: true });
    expect(byKind.rescheduled).toMatchObject({ email: false, sms: false });
    expect(byKind.booking_confirmed).toMatchObject({ email: true, sms: false });
    const other = (await two.client.get(PATH)).body;
    expect(other.phone).toBeNull();
    expect(other.kinds.every((k: { email: boolean; sms: boolean }) => k.email && !k.sms)).toBe(true);
    expect(JSON.stringify(other)).not.toContain(one.userId);
  });

  it("offers no texts on a server without a Twilio number", async () => {
    await withTestApp({}, async (plain) => {
      const customer = await signedInUser(plain, { role: "customer" });
      expect((await customer.client.get(PATH)).body.smsAvailable).toBe(false);
      const res = await customer.client.put(PATH, {
        phone: "+4915100000003",
        kinds: { rescheduled: { email: true, sms: true } },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.fields).toEqual({ "kinds.rescheduled.sms": "Texts are not available on this server." });
    });
  });
});
