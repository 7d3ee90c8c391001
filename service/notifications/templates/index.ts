// Every booking notification's words, in one place: a subject, a plain-text part (what most
// clients preview), an HTML twin built with `html` (user text escaped, always) and a short SMS.
// Rendered from the facts stored with the outbox row, so a message says what was true at the
// event. Links point at the web app (NEXTAUTH_URL).
import type { AppointmentFacts, ReferenceFacts, RequestFacts } from "../facts.ts";
import type { NotificationKind } from "../kinds.ts";
import type { NotificationPayload } from "../record.ts";
import { addToCalendarLinks, appointmentIcs } from "./calendar.ts";
import { durationText, money, policyText, when } from "./format.ts";
import { html, layout, paragraphs, type SafeHtml } from "./html.ts";

export interface Recipient {
  id: string;
  name: string;
}

export interface Rendered {
  subject: string;
  text: string;
  html: string;
  sms: string;
  attachments: { filename: string; content: string; contentType: string }[];
  /** Reference images to embed (cid:<cid>), loaded from storage by the sender. */
  inlineImages: { cid: string; storageKey: string; filename: string; contentType: string }[];
}

interface Links {
  base: string;
  /** Replies to this mail reach the thread (NOTIFY_REPLY_ADDRESS is set). */
  replies?: boolean;
}

/** At most this many reference images ride along as thumbnails; larger files are linked. */
const MAX_THUMBNAILS = 4;
const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;

const requestUrl = (l: Links, r: RequestFacts) => `${l.base}/bookings?request=${r.requestId}`;
const slotUrl = (l: Links, r: RequestFacts, start: string) =>
  `${l.base}/bookings?request=${r.requestId}&slot=${encodeURIComponent(start)}`;
const appointmentUrl = (l: Links, a: AppointmentFacts) => `${l.base}/bookings/${a.appointmentId}`;
const settingsUrl = (l: Links) => `${l.base}/account/notifications`;

function base(l: Links, subject: string, text: string, body: SafeHtml, sms: string): Rendered {
  return {
    subject,
    text: `${text.trim()}\n\n--\nChoose which messages you get: ${settingsUrl(l)}\n`,
    html: layout(subject, body, settingsUrl(l)),
    sms: sms.slice(0, 320),
    attachments: [],
    inlineImages: [],
  };
}

function requestLines(r: RequestFacts): string {
  return [
    `Idea:\n${r.idea}`,
    `Placement: ${r.placement}`,
    `Size: ${r.size}`,
    `Budget: ${r.budget ?? "not given"}`,
    `References: ${r.references.length ? r.references.map((f) => f.filename).join(", ") : "none"}`,
  ].join("\n");
}

function requestTable(r: RequestFacts, thumbs: ReferenceFacts[]): SafeHtml {
  return html`<h2 style="font-size:16px">The idea</h2>${paragraphs(r.idea)}
<table><tr><th align="left">Placement</th><td>${r.placement}</td></tr><tr><th align="left">Size</th><td>${r.size}</td></tr><tr><th align="left">Budget</th><td>${r.budget ?? "not given"}</td></tr></table>
${thumbs.length ? html`<p>${thumbs.map((f) => html`<img src="cid:ref-${f.id}" alt="${f.filename}" width="160" style="max-width:160px;height:auto;margin:4px">`)}</p>` : ""}
${r.references.length ? html`<p>References: ${r.references.map((f, i) => html`${i ? ", " : ""}${f.filename}`)}</p>` : ""}`;
}

function appointmentLines(a: AppointmentFacts): string {
  return [
    `When: ${when(a.start, a.timeZone)}`,
    `Duration: ${durationText(a.start, a.end)}`,
    `Artist: ${a.artist.displayName}`,
    ...(a.studio.name ? [`Studio: ${a.studio.name}`] : []),
    ...(a.studio.address ? [`Address: ${a.studio.address}`] : []),
  ].join("\n");
}

function appointmentTable(a: AppointmentFacts): SafeHtml {
  return html`<table>
<tr><th align="left">When</th><td>${when(a.start, a.timeZone)}</td></tr>
<tr><th align="left">Duration</th><td>${durationText(a.start, a.end)}</td></tr>
<tr><th align="left">Artist</th><td>${a.artist.displayName}</td></tr>
${a.studio.name ? html`<tr><th align="left">Studio</th><td>${a.studio.name}</td></tr>` : ""}
${a.studio.address ? html`<tr><th align="left">Address</th><td>${a.studio.address}</td></tr>` : ""}
</table>`;
}

function depositLine(a: AppointmentFacts): string {
  if (!a.deposit) return "Deposit: none";
  const amount = money(a.deposit.cents, a.deposit.currency);
  return a.deposit.status === "paid" ? `Deposit paid: ${amount}` : `Deposit: ${amount} (${a.deposit.status})`;
}

function refundOutcome(a: AppointmentFacts): string {
  if (!a.deposit || !a.depositOutcome) return "No deposit had been paid, so nothing is refunded or kept.";
  const amount = money(a.deposit.cents, a.deposit.currency);
  return a.depositOutcome === "refunded"
    ? `The ${amount} deposit is refunded to the card it was paid with (banks take 5–10 days to show it).`
    : `The ${amount} deposit is kept by the artist: the cancellation came less than ${a.cancelNoticeHours} hours before the appointment.`;
}

function cancelledBy(a: AppointmentFacts): string {
  if (a.cancelledBy === "artist") return `${a.artist.displayName} cancelled the appointment.`;
  if (a.cancelledBy === "customer") return `${a.customer.name} cancelled the appointment.`;
  return "The appointment was cancelled: the deposit was not paid in time, so the time was released.";
}

export function render(kind: NotificationKind, payload: NotificationPayload, to: Recipient, links: Links): Rendered {
  const r = payload.request,
    a = payload.appointment,
    m = payload.message;
  const hi = `Hi ${to.name},`;
  switch (kind) {
    case "request_received": {
      const req = r!;
      const thumbs = req.references
        .filter((f) => f.contentType.startsWith("image/") && f.size <= MAX_THUMBNAIL_BYTES)
        .slice(0, MAX_THUMBNAILS);
      const out = base(
        links,
        `New booking request from ${req.customer.name}`,
        `${hi}\n\n${req.customer.name} sent you a booking request.\n\n${requestLines(req)}\n\nAnswer it (offer times or decline): ${requestUrl(links, req)}`,
        html`<p>${hi}</p><p>${req.customer.name} sent you a booking request.</p>${requestTable(req, thumbs)}<p><a href="${requestUrl(links, req)}">Offer times or decline</a></p>`,
        `Tatu: new booking request from ${req.customer.name} (${req.placement}, ${req.size}). ${requestUrl(links, req)}`,
      );
      out.inlineImages = thumbs.map((f) => ({
        cid: `ref-${f.id}`,
        storageKey: f.storageKey,
        filename: f.filename,
        contentType: f.contentType,
      }));
      return out;
    }
    case "request_acknowledged": {
      const req = r!;
      return base(
        links,
        `Your request to ${req.artist.displayName} was sent`,
        `${hi}\n\n${req.artist.displayName} has your booking request and will offer times or answer soon.\n\n${requestLines(req)}\n\nSee it here: ${requestUrl(links, req)}`,
        html`<p>${hi}</p><p>${req.artist.displayName} has your booking request and will offer times or answer soon.</p>${requestTable(req, [])}<p><a href="${requestUrl(links, req)}">See your request</a></p>`,
        `Tatu: ${req.artist.displayName} has your booking request.`,
      );
    }
    case "times_offered": {
      const req = r!;
      const slots = req.slots.map((s) => ({ label: when(s.start, req.timeZone), url: slotUrl(links, req, s.start) }));
      const deposit = req.deposit
        ? `A deposit of ${money(req.deposit.cents, req.deposit.currency)} secures the time.`
        : "";
      const policy = policyText(req.cancelNoticeHours, req.deposit);
      return base(
        links,
        `${req.artist.displayName} offered you ${slots.length === 1 ? "a time" : `${slots.length} times`}`,
        `${hi}\n\n${req.artist.displayName} offered these times. Pick one:\n\n${slots.map((s) => `- ${s.label}\n  ${s.url}`).join("\n")}\n\n${deposit}\n${policy}`,
        html`<p>${hi}</p><p>${req.artist.displayName} offered these times. Pick one:</p><ul>${slots.map((s) => html`<li><a href="${s.url}">${s.label}</a></li>`)}</ul>${deposit ? html`<p>${deposit}</p>` : ""}<p>${policy}</p>`,
        `Tatu: ${req.artist.displayName} offered times for your tattoo. Pick one: ${requestUrl(links, req)}`,
      );
    }
    case "request_declined": {
      const req = r!;
      const reason = req.declineReason ? `Their note: ${req.declineReason}` : "";
      return base(
        links,
        `${req.artist.displayName} cannot take your request`,
        `${hi}\n\n${req.artist.displayName} declined your booking request (${req.placement}, ${req.size}).\n${reason}\n\nOther artists: ${links.base}/artists`,
        html`<p>${hi}</p><p>${req.artist.displayName} declined your booking request (${req.placement}, ${req.size}).</p>${req.declineReason ? html`<p>Their note:</p>${paragraphs(req.declineReason)}` : ""}<p><a href="${`${links.base}/artists`}">Find another artist</a></p>`,
        `Tatu: ${req.artist.displayName} declined your booking request.`,
      );
    }
    case "booking_confirmed": {
      const ap = a!;
      const forArtist = to.id === ap.artist.id;
      const url = appointmentUrl(links, ap);
      const cal = addToCalendarLinks(ap, { forArtist, url });
      const policy = policyText(ap.cancelNoticeHours, ap.deposit);
      const who = forArtist
        ? `${ap.customer.name} is booked with you.`
        : `Your appointment with ${ap.artist.displayName} is confirmed.`;
      const out = base(
        links,
        forArtist
          ? `Booked: ${ap.customer.name}, ${when(ap.start, ap.timeZone)}`
          : `Booking confirmed: ${ap.artist.displayName}, ${when(ap.start, ap.timeZone)}`,
        `${hi}\n\n${who}\n\n${appointmentLines(ap)}\n${depositLine(ap)}\n\nPolicy: ${policy}\n\nThe appointment: ${url}\nAdd to Google Calendar: ${cal.google}\nAdd to Outlook: ${cal.outlook}\n(An .ics file for any calendar is attached.)`,
        html`<p>${hi}</p><p>${who}</p>${appointmentTable(ap)}<p>${depositLine(ap)}</p><p><strong>Policy:</strong> ${policy}</p><p><a href="${url}">Open the appointment</a> · <a href="${cal.google}">Add to Google Calendar</a> · <a href="${cal.outlook}">Add to Outlook</a></p><p>An .ics file for any calendar is attached.</p>`,
        `Tatu: booked ${when(ap.start, ap.timeZone)} with ${forArtist ? ap.customer.name : ap.artist.displayName}. ${url}`,
      );
      out.attachments = [
        {
          filename: "appointment.ics",
          content: appointmentIcs(ap, { forArtist, url }),
          contentType: "text/calendar; charset=utf-8; method=PUBLISH",
        },
      ];
      return out;
    }
    case "rescheduled": {
      const ap = a!;
      const forArtist = to.id === ap.artist.id;
      const url = appointmentUrl(links, ap);
      const from = ap.previousStart ? when(ap.previousStart, ap.timeZone) : "its previous time";
      const out = base(
        links,
        `Appointment moved to ${when(ap.start, ap.timeZone)}`,
        `${hi}\n\nThe appointment ${forArtist ? `with ${ap.customer.name}` : `with ${ap.artist.displayName}`} moved from ${from} to ${when(ap.start, ap.timeZone)}.\n\n${appointmentLines(ap)}\n\nThe appointment: ${url}\n(An updated .ics file is attached.)`,
        html`<p>${hi}</p><p>The appointment ${forArtist ? `with ${ap.customer.name}` : `with ${ap.artist.displayName}`} moved from <s>${from}</s> to <strong>${when(ap.start, ap.timeZone)}</strong>.</p>${appointmentTable(ap)}<p><a href="${url}">Open the appointment</a></p>`,
        `Tatu: your appointment moved to ${when(ap.start, ap.timeZone)}. ${url}`,
      );
      out.attachments = [
        {
          filename: "appointment.ics",
          content: appointmentIcs(ap, { forArtist, url }),
          contentType: "text/calendar; charset=utf-8; method=PUBLISH",
        },
      ];
      return out;
    }
    case "cancelled": {
      const ap = a!;
      const forArtist = to.id === ap.artist.id;
      const reason = ap.cancelReason ? `Reason given: ${ap.cancelReason}` : "";
      const outcome = refundOutcome(ap);
      const out = base(
        links,
        `Cancelled: ${when(ap.start, ap.timeZone)}`,
        `${hi}\n\n${cancelledBy(ap)}\n${reason}\n\n${appointmentLines(ap)}\n\n${outcome}`,
        html`<p>${hi}</p><p>${cancelledBy(ap)}</p>${ap.cancelReason ? html`<p>Reason given:</p>${paragraphs(ap.cancelReason)}` : ""}${appointmentTable(ap)}<p>${outcome}</p>`,
        `Tatu: the appointment on ${when(ap.start, ap.timeZone)} is cancelled. ${outcome}`,
      );
      out.attachments = [
        {
          filename: "appointment.ics",
          content: appointmentIcs(ap, { forArtist, url: appointmentUrl(links, ap), cancelled: true }),
          contentType: "text/calendar; charset=utf-8; method=CANCEL",
        },
      ];
      return out;
    }
    case "reschedule_requested": {
      const ap = a!;
      const asked = when(ap.requestedStart!, ap.timeZone);
      const answerUrl = `${links.base}/calendar`;
      return base(
        links,
        `${ap.customer.name} asks to move ${when(ap.start, ap.timeZone)}`,
        `${hi}\n\n${ap.customer.name} asks to move their appointment from ${when(ap.start, ap.timeZone)} to ${asked}. It is inside your ${ap.cancelNoticeHours}-hour notice, so it waits for you: until you approve, the appointment keeps its time.\n\n${appointmentLines(ap)}\n\nApprove or decline: ${answerUrl}`,
        html`<p>${hi}</p><p>${ap.customer.name} asks to move their appointment from ${when(ap.start, ap.timeZone)} to <strong>${asked}</strong>. It is inside your ${String(ap.cancelNoticeHours)}-hour notice, so it waits for you: until you approve, the appointment keeps its time.</p>${appointmentTable(ap)}<p><a href="${answerUrl}">Approve or decline</a></p>`,
        `Tatu: ${ap.customer.name} asks to move ${when(ap.start, ap.timeZone)} to ${asked}. ${answerUrl}`,
      );
    }
    case "reschedule_declined": {
      const ap = a!;
      const url = appointmentUrl(links, ap);
      return base(
        links,
        `${ap.artist.displayName} kept your appointment at ${when(ap.start, ap.timeZone)}`,
        `${hi}\n\n${ap.artist.displayName} could not move your appointment to ${when(ap.requestedStart!, ap.timeZone)}. It stays at ${when(ap.start, ap.timeZone)}.\n\n${appointmentLines(ap)}\n\nThe appointment: ${url}`,
        html`<p>${hi}</p><p>${ap.artist.displayName} could not move your appointment to ${when(ap.requestedStart!, ap.timeZone)}. It stays at <strong>${when(ap.start, ap.timeZone)}</strong>.</p>${appointmentTable(ap)}<p><a href="${url}">Open the appointment</a></p>`,
        `Tatu: ${ap.artist.displayName} kept your appointment at ${when(ap.start, ap.timeZone)}. ${url}`,
      );
    }
    case "no_show": {
      const ap = a!;
      const deposit =
        ap.deposit && ap.depositOutcome === "kept"
          ? `The ${money(ap.deposit.cents, ap.deposit.currency)} deposit is kept by the artist, as the policy you agreed to says.`
          : "";
      const url = appointmentUrl(links, ap);
      return base(
        links,
        `Missed appointment: ${when(ap.start, ap.timeZone)}`,
        `${hi}\n\n${ap.artist.displayName} recorded that you did not come to your appointment.\n${deposit}\n\n${appointmentLines(ap)}\n\nTo book again, send ${ap.artist.displayName} a new request. The appointment: ${url}`,
        html`<p>${hi}</p><p>${ap.artist.displayName} recorded that you did not come to your appointment.</p>${deposit ? html`<p>${deposit}</p>` : ""}${appointmentTable(ap)}<p>To book again, send ${ap.artist.displayName} a new request. <a href="${url}">Open the appointment</a></p>`,
        `Tatu: you missed your appointment with ${ap.artist.displayName} on ${when(ap.start, ap.timeZone)}. ${deposit}`,
      );
    }
    case "deposit_receipt": {
      const ap = a!;
      const pay = ap.payment!;
      const amount = money(pay.cents, pay.currency);
      const policy = policyText(ap.cancelNoticeHours, { cents: pay.cents, currency: pay.currency });
      return base(
        links,
        `Receipt: ${amount} deposit to ${ap.artist.displayName}`,
        `${hi}\n\nWe received your deposit.\n\nAmount: ${amount}\nFor: ${ap.title}\nPaid: ${when(pay.paidAt, ap.timeZone)}\nReceipt number: ${pay.id}\n\n${appointmentLines(ap)}\n\nPolicy: ${policy}`,
        html`<p>${hi}</p><p>We received your deposit.</p><table><tr><th align="left">Amount</th><td>${amount}</td></tr><tr><th align="left">For</th><td>${ap.title}</td></tr><tr><th align="left">Paid</th><td>${when(pay.paidAt, ap.timeZone)}</td></tr><tr><th align="left">Receipt number</th><td>${pay.id}</td></tr></table>${appointmentTable(ap)}<p><strong>Policy:</strong> ${policy}</p>`,
        `Tatu: deposit of ${amount} to ${ap.artist.displayName} received. Receipt ${pay.id}.`,
      );
    }
    case "artist_message": {
      const msg = m!;
      const url = msg.requestId ? `${links.base}/bookings?request=${msg.requestId}` : `${links.base}/bookings`;
      return base(
        links,
        `${msg.artist.displayName} sent you a message`,
        `${hi}\n\n${msg.artist.displayName} wrote:\n\n${msg.text}\n\n${links.replies ? "Answer by replying to this email, or on your booking" : "Answer on your booking"}: ${url}`,
        html`<p>${hi}</p><p>${msg.artist.displayName} wrote:</p><blockquote style="margin:0 0 0 8px;padding-left:12px;border-left:3px solid #ccc">${paragraphs(msg.text)}</blockquote><p>${links.replies ? "Answer by replying to this email, or " : "Answer "}<a href="${url}">on your booking</a>.</p>`,
        `Tatu: ${msg.artist.displayName} sent you a message: ${msg.text.slice(0, 160)} ${url}`,
      );
    }
  }
}
