// Working hours become the right absolute instants on both sides of the DST changes, and
// free slots respect busy time and the artist's buffer.
import { describe, expect, it } from "vitest";
import { freeSlots } from "../../service/booking/availability.ts";
import { workingHoursSchema, workingIntervals } from "../../service/booking/hours.ts";

const allWeek = (start: string, end: string) =>
  workingHoursSchema.parse(
    Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [{ start, end }]])),
  );
const iso = (d: Date) => d.toISOString().replace(".000", "");

describe("working hours across DST", () => {
  it("Europe/Berlin: 10:00–18:00 is 09–17Z before the spring change and 08–16Z after; back in October", () => {
    const hours = allWeek("10:00", "18:00");
    const spring = workingIntervals(
      hours,
      "Europe/Berlin",
      new Date("2026-03-28T00:00:00Z"),
      new Date("2026-03-29T23:00:00Z"),
    );
    expect(spring.map((i) => [iso(i.start), iso(i.end)])).toEqual([
      ["2026-03-28T09:00:00Z", "2026-03-28T17:00:00Z"],
      ["2026-03-29T08:00:00Z", "2026-03-29T16:00:00Z"],
    ]);
    const autumn = workingIntervals(
      hours,
      "Europe/Berlin",
      new Date("2026-10-24T00:00:00Z"),
      new Date("2026-10-25T23:00:00Z"),
    );
    expect(autumn.map((i) => [iso(i.start), iso(i.end)])).toEqual([
      ["2026-10-24T08:00:00Z", "2026-10-24T16:00:00Z"],
      ["2026-10-25T09:00:00Z", "2026-10-25T17:00:00Z"],
    ]);
  });

  it("America/New_York: 10:00 is 15:00Z in winter and 14:00Z in summer (March 8 and November 1, 2026)", () => {
    const hours = allWeek("10:00", "12:00");
    const spring = workingIntervals(
      hours,
      "America/New_York",
      new Date("2026-03-07T12:00:00Z"),
      new Date("2026-03-08T23:59:00Z"),
    );
    expect(spring.map((i) => iso(i.start))).toEqual(["2026-03-07T15:00:00Z", "2026-03-08T14:00:00Z"]);
    const fall = workingIntervals(
      hours,
      "America/New_York",
      new Date("2026-10-31T12:00:00Z"),
      new Date("2026-11-01T23:59:00Z"),
    );
    expect(fall.map((i) => iso(i.start))).toEqual(["2026-10-31T14:00:00Z", "2026-11-01T15:00:00Z"]);
  });

  it("a night shift over the spring gap is really one hour shorter", () => {
    const hours = workingHoursSchema.parse({ sun: [{ start: "01:00", end: "04:00" }] });
    const [night] = workingIntervals(
      hours,
      "Europe/Berlin",
      new Date("2026-03-28T12:00:00Z"),
      new Date("2026-03-29T12:00:00Z"),
    );
    expect((night!.end.getTime() - night!.start.getTime()) / 3_600_000).toBe(2);
  });

  it("rejects overlapping or inverted ranges", () => {
    expect(
      workingHoursSchema.safeParse({
        mon: [
          { start: "10:00", end: "12:00" },
          { start: "11:00", end: "13:00" },
        ],
      }).success,
    ).toBe(false);
    expect(workingHoursSchema.safeParse({ mon: [{ start: "12:00", end: "10:00" }] }).success).toBe(false);
    expect(workingHoursSchema.safeParse({ mon: [{ start: "9:00", end: "10:00" }] }).success).toBe(false);
  });
});

describe("free slots", () => {
  const working = [{ start: new Date("2026-12-01T09:00:00Z"), end: new Date("2026-12-01T13:00:00Z") }];
  const now = new Date("2026-11-30T00:00:00Z");
  it("leaves out busy time and keeps the buffer after every booking", () => {
    const busy = [{ start: new Date("2026-12-01T10:00:00Z"), end: new Date("2026-12-01T11:15:00Z") }]; // 1 h + 15 min buffer
    const slots = freeSlots(working, busy, {
      from: working[0]!.start,
      to: working[0]!.end,
      durationMinutes: 60,
      bufferMinutes: 15,
      now,
    });
    // 09:00 would end at 10:00 + 15 min buffer > 10:00 busy start; 11:30 is the first after the busy block.
    // 12:00 is fine too: the buffer may run past the end of the working day.
    expect(slots.map((s) => iso(s.start))).toEqual(["2026-12-01T11:30:00Z", "2026-12-01T12:00:00Z"]);
  });
  it("respects the minimum notice", () => {
    const slots = freeSlots(working, [], {
      from: working[0]!.start,
      to: working[0]!.end,
      durationMinutes: 60,
      bufferMinutes: 0,
      now: new Date("2026-12-01T09:10:00Z"),
      minNoticeMinutes: 60,
    });
    expect(iso(slots[0]!.start)).toBe("2026-12-01T10:30:00Z");
  });
});
