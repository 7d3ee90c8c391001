// What the Twilio stand-in knows about one Twilio account (it can play several): its phone numbers, every message (both
// directions) with its media, and the JSON shapes the SDK reads for each.
import { randomBytes } from "node:crypto";
import { rfc2822, sid } from "./http.ts";

/** What a new Twilio number answers texts with until someone configures it. */
export const DEMO_SMS_URL = "https://demo.twilio.com/welcome/sms/reply";
export const API_VERSION = "2010-04-01";

export interface NumberRecord {
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  smsUrl: string;
  smsMethod: string;
  statusCallback: string;
  voiceUrl: string;
  dateCreated: Date;
  dateUpdated: Date;
}

export interface MediaRecord {
  sid: string;
  messageSid: string;
  contentType: string;
  content: Buffer;
  dateCreated: Date;
  cdnToken: string;
}

export type MessageStatus =
  | "accepted"
  | "scheduled"
  | "queued"
  | "sending"
  | "sent"
  | "delivered"
  | "undelivered"
  | "failed"
  | "read"
  | "received"
  | "receiving"
  | "canceled";

export interface MessageRecord {
  sid: string;
  seq: number;
  from: string;
  to: string;
  body: string;
  direction: "inbound" | "outbound-api" | "outbound-reply";
  status: MessageStatus;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  errorCode: number | null;
  errorMessage: string | null;
  statusCallback?: string;
  media: MediaRecord[];
}

/** One create call as the stand-in received it. */
export interface SentRecord {
  sid: string;
  /** The Twilio account that sent it. */
  accountSid: string;
  from: string;
  to: string;
  body: string;
  statusCallback?: string;
  mediaUrl: string[];
  at: Date;
}

/** GSM-7 texts split at 153 characters once over 160 (UCS-2 would be 67/70; close enough). */
export function segments(body: string): number {
  return body.length <= 160 ? 1 : Math.ceil(body.length / 153);
}

export class TwilioState {
  readonly accountSid = `AC${randomBytes(16).toString("hex")}`;
  authToken = randomBytes(16).toString("hex");
  readonly numbers = new Map<string, NumberRecord>();
  readonly messages = new Map<string, MessageRecord>();
  readonly cdn = new Map<string, MediaRecord>();
  readonly sent: SentRecord[] = [];
  readonly optedOut = new Set<string>();
  private seq = 0;

  addNumber(phoneNumber: string, friendlyName?: string): NumberRecord {
    const existing = this.numbers.get(phoneNumber);
    if (existing) return existing;
    const now = new Date();
    const rec: NumberRecord = {
      sid: sid("PN"),
      phoneNumber,
      friendlyName: friendlyName ?? formatNumber(phoneNumber),
      smsUrl: DEMO_SMS_URL,
      smsMethod: "POST",
      statusCallback: "",
      voiceUrl: "",
      dateCreated: now,
      dateUpdated: now,
    };
    this.numbers.set(phoneNumber, rec);
    return rec;
  }

  numberBySid(pnSid: string): NumberRecord | undefined {
    return [...this.numbers.values()].find((n) => n.sid === pnSid);
  }

  addMessage(
    m: Omit<MessageRecord, "sid" | "seq" | "media" | "dateUpdated"> & {
      media?: { contentType: string; content: Buffer }[];
    },
  ): MessageRecord {
    const media = m.media ?? [];
    // One object literal of a fixed shape (no spread): every send of a busy run creates one.
    const rec: MessageRecord = {
      sid: sid(media.length ? "MM" : "SM"),
      seq: ++this.seq,
      from: m.from,
      to: m.to,
      body: m.body,
      direction: m.direction,
      status: m.status,
      dateCreated: m.dateCreated,
      dateUpdated: m.dateCreated,
      dateSent: m.dateSent,
      errorCode: m.errorCode,
      errorMessage: m.errorMessage,
      statusCallback: m.statusCallback,
      media: [],
    };
    rec.media = media.map((x) => {
      const r: MediaRecord = {
        sid: sid("ME"),
        messageSid: rec.sid,
        contentType: x.contentType,
        content: Buffer.from(x.content),
        dateCreated: m.dateCreated,
        cdnToken: randomBytes(20).toString("hex"),
      };
      this.cdn.set(r.cdnToken, r);
      return r;
    });
    this.messages.set(rec.sid, rec);
    return rec;
  }

  setStatus(rec: MessageRecord, status: MessageStatus, errorCode?: number, errorMessage?: string): void {
    rec.status = status;
    rec.dateUpdated = new Date();
    if ((status === "sent" || status === "delivered" || status === "read") && !rec.dateSent)
      rec.dateSent = rec.dateUpdated;
    if (errorCode !== undefined) {
      rec.errorCode = errorCode;
      rec.errorMessage = errorMessage ?? null;
    }
  }

  // --- JSON resources -----------------------------------------------------------------
  accountPath(): string {
    return `/${API_VERSION}/Accounts/${this.accountSid}`;
  }

  messageJson(m: MessageRecord): Record<string, unknown> {
    const uri = `${this.accountPath()}/Messages/${m.sid}`;
    return {
      account_sid: this.accountSid,
      api_version: API_VERSION,
      body: m.body,
      date_created: rfc2822(m.dateCreated),
      date_sent: m.dateSent ? rfc2822(m.dateSent) : null,
      date_updated: rfc2822(m.dateUpdated),
      direction: m.direction,
      error_code: m.errorCode,
      error_message: m.errorMessage,
      from: m.from,
      messaging_service_sid: null,
      num_media: String(m.media.length),
      num_segments: String(segments(m.body)),
      price: m.status === "delivered" || m.status === "sent" || m.direction === "inbound" ? "-0.00790" : null,
      price_unit: "USD",
      sid: m.sid,
      status: m.status,
      subresource_uris: { media: `${uri}/Media.json`, feedback: `${uri}/Feedback.json` },
      to: m.to,
      uri: `${uri}.json`,
    };
  }

  mediaJson(x: MediaRecord): Record<string, unknown> {
    return {
      account_sid: this.accountSid,
      content_type: x.contentType,
      date_created: rfc2822(x.dateCreated),
      date_updated: rfc2822(x.dateCreated),
      parent_sid: x.messageSid,
      sid: x.sid,
      uri: `${this.accountPath()}/Messages/${x.messageSid}/Media/${x.sid}.json`,
    };
  }

  numberJson(n: NumberRecord): Record<string, unknown> {
    const uri = `${this.accountPath()}/IncomingPhoneNumbers/${n.sid}`;
    return {
      account_sid: this.accountSid,
      address_requirements: "none",
      address_sid: null,
      api_version: API_VERSION,
      beta: false,
      bundle_sid: null,
      capabilities: { fax: false, mms: true, sms: true, voice: true },
      date_created: rfc2822(n.dateCreated),
      date_updated: rfc2822(n.dateUpdated),
      emergency_address_sid: null,
      emergency_address_status: "unregistered",
      emergency_status: "Inactive",
      friendly_name: n.friendlyName,
      identity_sid: null,
      origin: "twilio",
      phone_number: n.phoneNumber,
      sid: n.sid,
      sms_application_sid: "",
      sms_fallback_method: "POST",
      sms_fallback_url: "",
      sms_method: n.smsMethod,
      sms_url: n.smsUrl,
      status: "in-use",
      status_callback: n.statusCallback,
      status_callback_method: "POST",
      subresource_uris: { assigned_add_ons: `${uri}/AssignedAddOns.json` },
      trunk_sid: null,
      uri: `${uri}.json`,
      voice_application_sid: null,
      voice_caller_id_lookup: false,
      voice_fallback_method: "POST",
      voice_fallback_url: null,
      voice_method: "POST",
      voice_receive_mode: "voice",
      voice_url: n.voiceUrl,
    };
  }
}

/** "(415) 555-0100" for NANP numbers, the E.164 form otherwise (Twilio's default friendly name). */
function formatNumber(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}
