// The templates on their own: user text is text in every HTML part (escaped, never markup), as
// typed in the plain part, and the .ics is valid iCalendar that ical.js reads back.
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import type { AppointmentFacts, MessageFacts, RequestFacts } from "../../service/notifications/facts.ts";
import { notificationKinds } from "../../service/notifications/kinds.ts";
import { studioLocation } from "../../service/notifications/studio.ts";
import { render } from "../../service/notifications/templates/index.ts";

const EVIL = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`;
const person = (id: string) => ({ id, name: `${EVIL} ${id}` });
const request: RequestFacts = {
  requestId: "r1",
  artist: { ...person("artist"), displayName: `${EVIL} studio` },
  customer: person("customer"),
  idea: `${EVIL}\n\nsecond paragraph`,
  placement: EVIL,
  size: EVIL,
  budget: EVIL,
  references: [{ id: "f1", filename: `${EVIL}.png`, contentType: "image/png", size: 10, storageKey: "k" }],
  slots: [{ start: "2026-12-15T13:00:00.000Z", end: "2026-12-15T16:00:00.000Z" }],
  declineReason: EVIL,
  deposit: { cents: 5000, currency: "eur" },
  timeZone: "Europe/Berlin",
  cancelNoticeHours: 48,
};
const appointment: AppointmentFacts = {
  appointmentId: "a1",
  artist: request.artist,
  customer: request.customer,
  title: EVIL,
  start: "2026-12-15T13:00:00.000Z",
  end: "2026-12-15T16:00:00.000Z",
  timeZone: "Europe/Berlin",
  studio: { name: EVIL, address: EVIL },
  deposit: { cents: 5000, currency: "eur", status: "paid" },
  cancelNoticeHours: 48,
  cancelledBy: "customer",
  cancelReason: EVIL,
  depositOutcome: "kept",
  previousStart: "2026-12-14T13:00:00.000Z",
  payment: { id: "p1", cents: 5000, currency: "eur", paidAt: "2026-12-07T10:00:00.000Z" },
};
const message: MessageFacts = {
  messageId: "m1",
  conversationId: "c1",
  artist: request.artist,
  customer: request.customer,
  text: `${EVIL}\n\nsecond paragraph`,
  requestId: "r1",
};

describe("notification templates", () => {
  for (const kind of notificationKinds)
    it(`${kind}: user text is escaped in the HTML part and as typed in the text part`, () => {
      const out = render(
        kind,
        { request, appointment, message },
        { id: "customer", name: EVIL },
        { base: "https://tatu.test" },
      );
      expect(out.html).not.toMatch(/<script|<img src=x|onerror=alert\(2\)>/);
      expect(out.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(out.text).toContain(EVIL);
      expect(out.subject.length).toBeGreaterThan(5);
      expect(out.sms.length).toBeLessThanOrEqual(320);
    });

  it("booking confirmed carries an .ics ical.js reads back, in UTC, with the studio as location", () => {
    const out = render(
      "booking_confirmed",
      { appointment },
      { id: "customer", name: "C" },
      { base: "https://tatu.test" },
    );
    const ics = out.attachments.find((a) => a.filename === "appointment.ics")!;
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(ics.content)).getFirstSubcomponent("vevent")!);
    expect(event.startDate.toJSDate().toISOString()).toBe(appointment.start);
    expect(event.location).toBe(`${EVIL}, ${EVIL}`);
    expect(out.text).toContain("Tuesday 15 December 2026, 14:00 (Europe/Berlin)");
    expect(out.text).toContain("with less notice the artist keeps it");
  });

  it("studio location reads address fields when the profile has them and skips what is missing", () => {
    const base = { displayName: "Jo", studio: "Ink", city: "Berlin", country: "DE" };
    expect(studioLocation(base)).toEqual({ name: "Ink", address: "Berlin, DE" });
    expect(studioLocation({ ...base, street: "Torstr. 1", postcode: "10119" })).toEqual({
      name: "Ink",
      address: "Torstr. 1, 10119 Berlin, DE",
    });
    expect(studioLocation({ displayName: "Jo", studio: null, city: null, country: null })).toEqual({});
  });
});
