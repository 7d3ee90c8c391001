// The service's time-zone toolkit: the DST rules every provider and booking rely on.
import { describe, expect, it } from "vitest";
import {
  canonicalZone,
  isoWithOffset,
  isZone,
  offsetMs,
  utcToWallClock,
  wallClockInstants,
  wallClockToUtc,
} from "../../service/time/zones.ts";

const iso = (d: Date) => d.toISOString();

describe("time zones", () => {
  it("knows IANA names, not offsets or junk", () => {
    expect(isZone("Europe/Berlin")).toBe(true);
    expect(isZone("UTC")).toBe(true);
    expect(isZone("+02:00")).toBe(false);
    expect(isZone("Fantasia/Castle")).toBe(false);
    expect(canonicalZone("europe/berlin")).toBe("Europe/Berlin");
  });

  it("reads wall times in both halves of the year", () => {
    expect(iso(wallClockToUtc("2026-01-15T10:00:00", "Europe/Berlin"))).toBe("2026-01-15T09:00:00.000Z");
    expect(iso(wallClockToUtc("2026-07-15T10:00", "Europe/Berlin"))).toBe("2026-07-15T08:00:00.000Z");
    expect(iso(wallClockToUtc("2026-07-15T10:00:00.1234567", "America/New_York"))).toBe("2026-07-15T14:00:00.123Z");
    expect(iso(wallClockToUtc("2026-07-15", "America/New_York"))).toBe("2026-07-15T04:00:00.000Z");
    expect(() => wallClockToUtc("15.07.2026", "UTC")).toThrow(RangeError);
  });

  it("moves a time in a spring-forward gap forward, for zones east and west of UTC", () => {
    expect(wallClockInstants("2026-03-29T02:30:00", "Europe/Berlin")).toEqual([]);
    expect(iso(wallClockToUtc("2026-03-29T02:30:00", "Europe/Berlin"))).toBe("2026-03-29T01:30:00.000Z"); // 03:30 CEST
    expect(iso(wallClockToUtc("2026-03-08T02:30:00", "America/New_York"))).toBe("2026-03-08T07:30:00.000Z"); // 03:30 EDT
  });

  it("reads a repeated fall-back time as its first occurrence", () => {
    expect(wallClockInstants("2026-10-25T02:30:00", "Europe/Berlin").map(iso)).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:30:00.000Z",
    ]);
    expect(iso(wallClockToUtc("2026-10-25T02:30:00", "Europe/Berlin"))).toBe("2026-10-25T00:30:00.000Z");
    expect(iso(wallClockToUtc("2026-11-01T01:30:00", "America/New_York"))).toBe("2026-11-01T05:30:00.000Z");
  });

  it("writes instants as wall time and as RFC 3339 with the offset", () => {
    const at = new Date("2026-03-09T14:00:00.500Z");
    expect(utcToWallClock(at, "America/New_York")).toBe("2026-03-09T10:00:00");
    expect(isoWithOffset(at, "America/New_York")).toBe("2026-03-09T10:00:00-04:00");
    expect(isoWithOffset(at, "Asia/Kolkata")).toBe("2026-03-09T19:30:00+05:30");
    expect(isoWithOffset(at, "UTC")).toBe("2026-03-09T14:00:00+00:00");
    expect(offsetMs("Europe/Berlin", at)).toBe(3_600_000);
    expect(() => offsetMs("Fantasia/Castle", at)).toThrow(RangeError);
  });
});
