// The built-in "Tatu bookings" channel's id and name (thread.ts explains it): what the inbox,
// the Integrations list and the home page need to tell it apart, without the thread code.
export const TATU_PROVIDER = "tatu";
export const TATU_LABEL = "Tatu bookings";
