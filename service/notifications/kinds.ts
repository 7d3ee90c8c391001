// Every notification the booking loop sends, who gets it, and which ones a person may not
// silence entirely (they record money or a commitment: at least one channel stays on).
import { notificationKinds, type NotificationKind } from "./schemas.ts";

export { notificationKinds, type NotificationKind };

export const channels = ["email", "sms"] as const;
export type Channel = (typeof channels)[number];

export interface KindInfo {
  label: string;
  /** Who receives it: shown on the settings page so a customer is not offered artist mails. */
  audience: "artist" | "customer" | "both";
  /** Cannot be switched off on every channel. */
  transactional: boolean;
}

export const kindInfo: Record<NotificationKind, KindInfo> = {
  request_received: { label: "New booking request", audience: "artist", transactional: false },
  request_acknowledged: { label: "Your request was sent", audience: "customer", transactional: false },
  times_offered: { label: "Times offered", audience: "customer", transactional: false },
  request_declined: { label: "Request declined", audience: "customer", transactional: false },
  booking_confirmed: { label: "Booking confirmed", audience: "both", transactional: true },
  rescheduled: { label: "Appointment moved", audience: "both", transactional: false },
  cancelled: { label: "Appointment cancelled", audience: "both", transactional: true },
  deposit_receipt: { label: "Deposit receipt", audience: "customer", transactional: true },
  reschedule_requested: { label: "A customer asks for a new time", audience: "artist", transactional: false },
  reschedule_declined: { label: "New time declined", audience: "customer", transactional: false },
  // Says the deposit was kept: money, so it cannot be silenced entirely.
  no_show: { label: "Missed appointment", audience: "customer", transactional: true },
  artist_message: { label: "Messages from your artist", audience: "customer", transactional: false },
};

/** Without a saved choice: email on, SMS off (texts are opt-in). */
export const defaultChoice = { email: true, sms: false } as const;
