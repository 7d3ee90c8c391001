// The provider integrations of the launch scope. Each has a kill switch (`provider.<id>`)
// so one failing integration can be turned off without touching the rest of the app.
export const providerIds = [
  "gmail", "outlook", "yahoo", "facebook", "instagram", "twitter", "twilio",
  "google-calendar", "outlook-calendar", "apple-calendar", "square", "stripe",
] as const;
export type ProviderId = (typeof providerIds)[number];
