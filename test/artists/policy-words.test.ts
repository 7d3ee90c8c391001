// The policy as customers read it (service/booking/policy.ts): the sentences the artist page,
// the booking form and the accept step show, for the cases the rules distinguish.
import { describe, expect, it } from "vitest";
import { expectedDeposit, moneyWords, policySentences } from "../../service/booking/policy.ts";

describe("the deposit and cancellation policy in words", () => {
  it("names the deposit, when it is due and when it comes back", () => {
    expect(policySentences({ depositCents: 5000, currency: "eur", cancelNoticeHours: 48 })).toEqual([
      "A deposit of €50 is due when you accept a time; it is refunded if you cancel at least 48 hours before the appointment.",
      "If you cancel later than that, the artist keeps the deposit. If the artist cancels, you get it back.",
      "You can move the appointment yourself until 48 hours before it starts; after that, a new time needs the artist's approval.",
    ]);
  });

  it("says so when there is no deposit, or when the artist has not set it yet", () => {
    expect(policySentences({ depositCents: 0, currency: "eur", cancelNoticeHours: 24 })).toEqual([
      "No deposit is needed to book.",
      "You can move the appointment yourself until 24 hours before it starts; after that, a new time needs the artist's approval.",
    ]);
    expect(policySentences({ depositCents: null, currency: "eur", cancelNoticeHours: 1 })[0]).toBe(
      "The artist sets the deposit (if any) with the times they offer; it is due when you accept a time, and it is refunded if you cancel at least 1 hour before the appointment.",
    );
  });

  it("has no notice window to speak of when the artist asks for none", () => {
    expect(policySentences({ depositCents: 4950, currency: "usd", cancelNoticeHours: 0 })).toEqual([
      "A deposit of $49.50 is due when you accept a time; it is refunded if you cancel any time before the appointment.",
      "If the artist cancels, you get it back.",
      "You can move the appointment yourself until it starts.",
    ]);
  });

  it("formats amounts in their currency, and finds the deposit all services share", () => {
    expect(moneyWords(8000, "gbp")).toBe("£80");
    expect(moneyWords(12345, "EUR")).toBe("€123.45");
    expect(expectedDeposit([])).toBeNull();
    expect(
      expectedDeposit([
        { depositCents: 5000, currency: "eur" },
        { depositCents: 5000, currency: "eur" },
      ]),
    ).toEqual({ depositCents: 5000, currency: "eur" });
    expect(
      expectedDeposit([
        { depositCents: 5000, currency: "eur" },
        { depositCents: 0, currency: "eur" },
      ]),
    ).toBeNull();
  });
});
