// The steps of the booking loop as the two people take them in the browser — the customer
// requests from the public profile, follows the offer email, pays on Stripe's hosted checkout;
// the artist answers from the calendar page — and the mail each step must produce, read from
// a real SMTP server.
import ICAL from "ical.js";
import type { ParsedMail } from "mailparser";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import type { TestApp } from "../helpers/app.ts";
import type { Mailbox } from "../notifications/mailbox.ts";
import { loggedInPage, POLL, textOf } from "./support.ts";

export const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

export interface Person {
  email: string;
  name: string;
  page: Page;
}

export async function personIn(browser: Browser, app: TestApp, email: string, name: string): Promise<Person> {
  return { email, name, page: await loggedInPage(browser, app, email) };
}

/** The customer's request from the artist's public profile, with a reference image. */
export async function requestFromProfile(customer: Person, artistId: string, idea: string): Promise<void> {
  const p = customer.page;
  await p.goto(`/artists/${artistId}`);
  await p.getByRole("button", { name: "Request a booking" }).click();
  await p.getByLabel("Service").selectOption({ index: 1 });
  await p.getByLabel("Your idea").fill(idea);
  await p.getByLabel("Placement").fill("forearm");
  await p.getByLabel("Size").fill("12 cm");
  await p
    .getByLabel("Reference images (optional)")
    .setInputFiles({ name: "reference.png", mimeType: "image/png", buffer: PNG });
  await p.getByRole("button", { name: "Send request" }).click();
  await expect.poll(() => p.getByTestId("request-sent").count(), POLL).toBe(1);
}

/** The artist offers the first `n` free times for the request whose idea is `idea`. */
export async function offerTimes(artist: Person, idea: string, n = 2): Promise<void> {
  const p = artist.page;
  await p.goto("/calendar");
  const card = p.getByTestId("booking-request").filter({ hasText: idea });
  await expect.poll(() => card.count(), POLL).toBe(1);
  await card.getByRole("button", { name: "Offer times" }).click();
  const slots = card.getByRole("checkbox");
  await expect.poll(() => slots.count(), POLL).toBeGreaterThan(n - 1);
  for (let i = 0; i < n; i++) await slots.nth(i).check();
  await card.getByRole("button", { name: "Send offer" }).click();
  await expect.poll(() => card.getAttribute("data-status").catch(() => null), POLL).toBe("offered");
}

/** The one-click links of the "offered you … times" email, in the order offered. */
export function slotLinks(mail: ParsedMail): string[] {
  return [...(mail.text ?? "").matchAll(/^ {2}(http\S+)$/gm)].map((m) => m[1]!);
}

/** The customer opens an offered time's link from the email and accepts it: the browser lands
 *  on Stripe's hosted checkout. */
export async function acceptFromEmail(customer: Person, link: string): Promise<void> {
  const p = customer.page;
  await p.goto(link);
  // The link chooses its time; nothing is booked until the customer confirms it.
  const card = p.getByTestId("request").filter({ has: p.getByTestId("linked-slot") });
  await expect.poll(() => textOf(card.getByTestId("linked-slot")), POLL).toMatch(/^You chose .+ in the email\./);
  const slot = new Date(new URL(link).searchParams.get("slot")!).getTime();
  const checked = await card
    .getByRole("radio")
    .evaluateAll((els) => els.filter((e) => (e as HTMLInputElement).checked).map((e) => (e as HTMLInputElement).value));
  expect(checked.map((v) => new Date(v).getTime())).toEqual([slot]);
  const confirm = card.getByRole("button", { name: "Accept this time" });
  await expect.poll(() => confirm.isEnabled().catch(() => false), POLL).toBe(true);
  await Promise.all([p.waitForURL(/\/c\/pay\//, { timeout: POLL.timeout }), confirm.click()]);
}

/** On Stripe's hosted page: pay, and come back to /bookings/:id. Returns the appointment id. */
export async function payOnCheckout(customer: Person): Promise<string> {
  const p = customer.page;
  await Promise.all([
    p.waitForURL(/\/bookings\/[\w-]+\?deposit=success/, { timeout: POLL.timeout }),
    p.getByRole("button", { name: /^Pay / }).click(),
  ]);
  return new URL(p.url()).pathname.split("/").pop()!;
}

/** Waits until `to` has exactly the mails whose subjects match `subjects` (each once, nothing
 *  else of the booking's), and returns them in that order. */
export async function exactlyTheseMails(
  mailbox: Mailbox,
  to: string,
  subjects: RegExp[],
  exclude: RegExp = /verify|confirm your email/i,
): Promise<ParsedMail[]> {
  const mine = () => mailbox.to(to).filter((m) => !exclude.test(m.subject ?? ""));
  await expect.poll(() => subjects.every((s) => mine().some((m) => s.test(m.subject ?? ""))), POLL).toBe(true);
  const got = mine().map((m) => m.subject);
  for (const s of subjects)
    expect(
      got.filter((g) => s.test(g ?? "")),
      `${to}: ${s}`,
    ).toHaveLength(1);
  expect(got, `${to} got only what the steps send`).toHaveLength(subjects.length);
  return subjects.map((s) => mine().find((m) => s.test(m.subject ?? ""))!);
}

/** The .ics of a "booking confirmed" or "moved" mail, read back with ical.js. */
export function icsEvent(mail: ParsedMail): { start: Date; end: Date; location: string; summary: string } {
  const ics = mail.attachments.find((a) => a.contentType.startsWith("text/calendar"));
  expect(ics, `${mail.subject}: an .ics attachment`).toBeDefined();
  const comp = new ICAL.Component(ICAL.parse(ics!.content.toString("utf8")));
  const ev = new ICAL.Event(comp.getFirstSubcomponent("vevent")!);
  return {
    start: ev.startDate.toJSDate(),
    end: ev.endDate.toJSDate(),
    location: ev.location ?? "",
    summary: ev.summary ?? "",
  };
}

export const statusOf = (page: Page) => textOf(page.getByTestId("deposit-return"));
