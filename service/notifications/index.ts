// Booking notifications: what the booking loop calls (inside its transactions, then after the
// commit), and the job and sweep the queue runs. See record.ts and drain.ts.
export { recordNotifications, type BookingEvent } from "./record.ts";
export { drainNotifications, drainNotificationsJob, kickNotifications, notificationSweep } from "./drain.ts";
