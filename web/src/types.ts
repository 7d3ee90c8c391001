// Shapes of the API answers the screens read (mirrors of service/* views; dates arrive as ISO strings).
export type Role = "artist" | "customer";
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  isAdmin?: boolean;
}

export interface ConversationItem {
  id: string;
  channel: string;
  accountId: string;
  contact: { name: string | null; handle: string | null };
  subject: string | null;
  snippet: string | null;
  lastMessageAt: string;
  unreadCount: number;
  archived: boolean;
}
export interface Conversation {
  id: string;
  channel: string;
  subject: string | null;
  lastMessageAt: string;
  unreadCount: number;
  archived: boolean;
  replyWindow: { hours: number; open: boolean; closesAt: string | null } | null;
  account: { id: string; provider: string; address: string; aliasLabel: string | null; status: string; label: string };
  contact: {
    id: string;
    name: string | null;
    identities: { kind: string; handle: string; name: string | null }[];
  } | null;
}
export interface Attachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  url: string;
}
export interface Message {
  id: string;
  direction: "inbound" | "outbound";
  status: string;
  statusError: string | null;
  from: { name: string | null; handle: string | null };
  subject: string | null;
  text: string | null;
  html: string | null;
  sentAt: string;
  /** HTML bodies: their own sandboxed document, and how many remote images it holds back. */
  htmlUrl?: string;
  remoteImages?: number;
  attachments: Attachment[];
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Account {
  id: string;
  provider: string;
  label: string;
  address: string;
  aliasLabel: string | null;
  displayName: string | null;
  status: string;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  needsReconnect: boolean;
}
/** SMS: whether the server has its own Twilio account, and its numbers assigned to the caller. */
export interface TwilioInfo {
  serverAccount: boolean;
  assignedNumbers: string[];
}
/** How the server describes a provider's connect form (its meta.ts `ui`). */
export interface FormField {
  name: string;
  label: string;
  type?: string;
  placeholder?: string;
  autoComplete?: string;
  hint?: string;
}
export interface HowTo {
  title: string;
  steps: string[];
  note?: string;
}
/** One choice of a form with presets (IMAP: Yahoo, iCloud Mail, …); what it leaves out comes from the form. */
export interface FormPreset {
  id: string;
  label: string;
  fields?: FormField[];
  submit?: string;
  howTo?: HowTo;
}
export interface ProviderUi {
  custom?: "sms";
  form?: { submit: string; fields: FormField[]; howTo?: HowTo; presets?: FormPreset[]; presetLabel?: string };
}
export interface ProviderInfo {
  id: string;
  label: string;
  route: string;
  connect: "oauth" | "oauth1" | "credentials";
  configured: boolean;
  ui: ProviderUi;
}
export interface CalendarProviderInfo {
  id: string;
  label: string;
  route: string;
  connect: "shared-grant" | "credentials";
  grantProvider?: string;
  ui: ProviderUi;
}
export interface Calendar {
  id: string;
  provider: string;
  label: string;
  name: string;
  timeZone: string | null;
  readOnly: boolean;
  isPrimary: boolean;
  status: string;
  needsReconnect: boolean;
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
}

export interface ArtistSummary {
  id: string;
  displayName: string;
  studio: string | null;
  styles: string[];
  city: string | null;
  country: string | null;
  location: { lat: number; lng: number };
  distanceKm: number | null;
  bookingOpen: boolean;
  portfolioPreview: string | null;
}
export interface Service {
  id: string;
  kind: "consultation" | "session";
  name: string;
  durationMinutes: number;
  depositCents: number;
  currency: string;
  active?: boolean;
  /** The deposit and cancellation policy for this service, in sentences (public profile only). */
  policy?: string[];
}
export interface PublicArtist {
  id: string;
  displayName: string;
  studio: string | null;
  styles: string[];
  bio: string | null;
  city: string | null;
  country: string | null;
  location: { lat: number; lng: number };
  bookingOpen: boolean;
  timeZone: string;
  cancelNoticeHours: number;
  /** The policy in sentences before a service is picked. */
  policy: string[];
  portfolio: { id: string; url: string; contentType: string; caption: string | null }[];
  services: Service[];
}
export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
export interface OwnProfile {
  id: string;
  displayName: string;
  studio: string | null;
  styles: string[];
  bio: string | null;
  /** Private: shown only to customers with a confirmed booking. */
  street: string | null;
  postcode: string | null;
  city: string | null;
  country: string | null;
  lat: number | null;
  lng: number | null;
  visible: boolean;
  bookingOpen: boolean;
  timeZone: string;
  workingHours: Record<Weekday, { start: string; end: string }[]>;
  bufferMinutes: number;
  cancelNoticeHours: number;
  portfolio: { id: string; url: string; caption: string | null }[];
  services: Service[];
}
export interface BookingRequest {
  id: string;
  artistId: string;
  customerId: string;
  serviceId: string | null;
  idea: string;
  placement: string;
  size: string;
  budget: string | null;
  status: "pending" | "offered" | "declined" | "booked" | "cancelled" | string;
  offeredSlots: { start: string; end: string }[] | null;
  declineReason: string | null;
  createdAt: string;
  references: { id: string; filename: string; contentType: string; size: number }[];
  project: { id: string; depositCents: number; currency: string; depositStatus: string } | null;
  /** The artist's view: who sent it. */
  customer?: CustomerCard;
  artist: ArtistRef | null;
  /** The deposit and cancellation policy that applies, in sentences. */
  policy: string[];
}
export interface ArtistRef {
  id: string;
  displayName: string;
  studio: string | null;
  timeZone: string;
}
/** The studio's address, sent only with a confirmed (or completed) appointment. */
export interface StudioAddress {
  studio: string | null;
  street: string;
  postcode: string | null;
  city: string | null;
  country: string | null;
  location: { lat: number; lng: number } | null;
}
/** A customer as their artist sees them (GET /api/bookings/* as the artist). */
export interface CustomerCard {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  history: { requests: number; sessions: number; noShows?: number };
}
export interface Appointment {
  id: string;
  artistId: string;
  customerId: string;
  projectId: string | null;
  start: string;
  end: string;
  status: string;
  timeZone: string;
  calendarState: string | null;
  /** A customer's new time waiting for the artist's approval (inside the cancellation-notice window). */
  requestedStart: string | null;
  /** Why it was cancelled (e.g. the deposit was not paid in time). */
  cancelReason?: string | null;
  customer?: CustomerCard;
  artist?: ArtistRef | null;
  address?: StudioAddress | null;
  policy?: string[];
  /** When the artist marked it completed or a no-show. */
  outcomeAt?: string | null;
  depositOutcome?: "kept" | "refunded" | null;
  /** GET /api/bookings/appointments/:id only: the project, its sessions, and what cancelling / a no-show does. */
  project?: AppointmentProject | null;
  sessions?: { id: string; start: string; end: string; status: string }[];
  consequences?: BookingConsequences;
}
export interface AppointmentProject {
  id: string;
  title: string;
  depositCents: number;
  currency: string;
  depositStatus: "none" | "pending" | "paid" | "refunded" | "kept";
  depositAppointmentId: string | null;
}
/** What a destructive step would do to the deposit held by this session (0 cents: none held). */
export interface BookingConsequences {
  depositCents: number;
  currency: string;
  cancelNoticeHours: number;
  cancel: "kept" | "refunded" | null;
  noShow: "kept" | null;
}
/** GET /api/bookings/week: the artist's week in the studio's zone. */
export interface WeekView {
  timeZone: string;
  weekStart: string;
  previousWeek: string;
  nextWeek: string;
  from: string;
  to: string;
  days: WeekDay[];
}
export interface WeekDay {
  date: string;
  weekday: Weekday;
  start: string;
  end: string;
  today: boolean;
  /** No working hours that day. */
  closed: boolean;
  hours: { start: string; end: string }[];
  appointments: WeekAppointment[];
}
export interface WeekAppointment {
  id: string;
  start: string;
  end: string;
  status: string;
  title: string | null;
  service: string | null;
  customer: { id: string; name: string; email: string; phone: string | null } | null;
  deposit: { cents: number; currency: string; status: string } | null;
  requestedStart: string | null;
  calendarState: string | null;
}
/** What POST /api/bookings/appointments/:id/reschedule answers (202 with approval "pending" when the artist must agree). */
export interface RescheduleAnswer {
  appointmentId: string;
  start: string;
  end: string;
  approval: "pending" | "not_needed";
  requestedStart?: string;
  message?: string;
}

/** GET /api/clients: one of the artist's clients (anyone with a request or appointment with them). */
export interface ClientSummary {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  deleted: boolean;
  requests: number;
  sessions: { total: number; completed: number };
  lastActivityAt: string;
  nextSessionAt: string | null;
}
/** A private note of the artist about a client (never shown to the customer). */
export interface ClientNote {
  id: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}
/** GET /api/clients/:id: the artist's record of one client. */
export interface ClientRecord {
  client: { id: string; name: string; email: string | null; phone: string | null; deleted: boolean };
  conversations: {
    id: string;
    channel: string;
    matchedBy: "email" | "phone" | "contact";
    contact: { name: string | null; handle: string | null };
    subject: string | null;
    snippet: string | null;
    lastMessageAt: string;
    unreadCount: number;
    archived: boolean;
    link: string;
  }[];
  moreConversations: boolean;
  requests: {
    id: string;
    idea: string;
    placement: string;
    size: string;
    budget: string | null;
    status: string;
    declineReason: string | null;
    createdAt: string;
    updatedAt: string;
    references: { id: string; filename: string; contentType: string; size: number; url: string }[];
    project: { id: string; title: string; depositCents: number; currency: string; depositStatus: string } | null;
  }[];
  sessions: {
    id: string;
    start: string;
    end: string;
    timeZone: string;
    status: string;
    title: string | null;
    requestId: string | null;
    cancelledBy: string | null;
    cancelReason: string | null;
    deposit: { cents: number; currency: string; status: string; outcome: string | null } | null;
  }[];
  notes: ClientNote[];
}
