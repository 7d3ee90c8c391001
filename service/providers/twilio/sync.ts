// Catch-up sync ("re-sync since"). Twilio pushes every text by webhook; sync lists what was
// sent to and from the studio number since the window start, to fill gaps (downtime, a
// webhook that never arrived) and for the first back-fill.
//
// Cursor (opaque to everyone else):
//   { v: 1, since, round?: { startedAt, phase: "inbound"|"outbound", next?, budget? } }
// A round walks To=<number> then From=<number> (DateSent >= since), newest first, by
// Twilio's next_page_uri. The cursor yielded with each page names the next page, so a crash
// resumes after the last committed page. When the round ends, `since` moves to the round's
// start minus an overlap (texts queued before it may get their DateSent later); dedup by
// Message SID absorbs the overlap.
import { z } from "zod";
import type * as channel from "../kit/channel.ts";
import { TwilioSession } from "../kit/twilio/session.ts";
import { accountCredentials } from "../kit/twilio/config.ts";
import { classifyTwilioError } from "../kit/twilio/errors.ts";
import { toInbound, type TwilioMessage } from "./messages.ts";

export const PAGE_SIZE = 50;
/** How far before a round's start the next round looks again. */
export const OVERLAP_MS = 10 * 60_000;

const PHASES = ["inbound", "outbound"] as const;

const cursorSchema = z.object({
  v: z.literal(1),
  since: z.iso.datetime(),
  round: z
    .object({
      startedAt: z.iso.datetime(),
      phase: z.enum(PHASES),
      next: z.string().optional(),
      budget: z.number().int().nonnegative().optional(),
    })
    .optional(),
});
type Cursor = z.infer<typeof cursorSchema>;

export function accountNumber(account: channel.ProviderAccount): string {
  const n = account.credentials.phoneNumber;
  return typeof n === "string" && n ? n : account.externalId;
}

function defaultWindow(env: channel.ProviderEnv): Date {
  return new Date(Date.now() - (env.config.env.INBOX_BACKFILL_DAYS ?? 30) * 86_400_000);
}

interface ListedPage {
  instances: TwilioMessage[];
  nextPageUrl?: string;
}

export async function* syncTwilio(
  env: channel.ProviderEnv,
  account: channel.ProviderAccount,
  stored: channel.SyncCursor | null,
  opts: channel.SyncOptions,
): AsyncGenerator<channel.SyncPage> {
  const session = new TwilioSession(env, accountCredentials(env, account));
  const number = accountNumber(account);
  const previous = stored ? cursorSchema.safeParse(stored) : undefined;
  if (previous && !previous.success)
    env.log.warn({ accountId: account.id }, "twilio: unreadable sync cursor, starting a new round");

  let cursor: Cursor =
    previous?.success && !opts.full
      ? previous.data
      : {
          v: 1,
          since: (opts.since ?? (previous?.success ? new Date(previous.data.since) : defaultWindow(env))).toISOString(),
        };
  const round = cursor.round ?? {
    startedAt: new Date().toISOString(),
    phase: "inbound" as const,
    ...(opts.maxMessages !== undefined ? { budget: opts.maxMessages } : {}),
  };
  cursor = { ...cursor, round };

  for (let phaseAt = PHASES.indexOf(round.phase); phaseAt < PHASES.length; phaseAt++) {
    const direction = PHASES[phaseAt]!;
    let restarted = false;
    for (;;) {
      const r = cursor.round!;
      if (r.budget === 0) break;
      let page: ListedPage;
      try {
        page = await session.call((c) =>
          r.next
            ? c.messages.getPage(r.next)
            : c.messages.page({
                ...(direction === "inbound" ? { to: number } : { from: number }),
                dateSentAfter: new Date(cursor.since),
                pageSize: PAGE_SIZE,
              }),
        );
      } catch (err) {
        const e = classifyTwilioError(err);
        // A next-page link Twilio no longer honours: walk this direction again from the top.
        if (r.next && !restarted && e.errorClass === "permanent") {
          restarted = true;
          env.log.warn(
            { accountId: account.id, direction, reason: e.code },
            "twilio: next-page link refused, re-listing the window",
          );
          cursor = { ...cursor, round: { ...r, next: undefined } };
          continue;
        }
        throw e;
      }

      let listed = page.instances;
      let budget = r.budget;
      if (budget !== undefined) {
        listed = listed.slice(0, budget);
        budget -= listed.length;
      }
      const messages: channel.InboundMessage[] = [];
      for (const m of listed) messages.push(await toInbound(env, session, m, direction));

      const more = Boolean(page.nextPageUrl) && budget !== 0;
      if (more) {
        cursor = { ...cursor, round: { ...r, next: page.nextPageUrl, ...(budget !== undefined ? { budget } : {}) } };
      } else if (phaseAt + 1 < PHASES.length) {
        cursor = {
          ...cursor,
          round: { startedAt: r.startedAt, phase: PHASES[phaseAt + 1]!, ...(budget !== undefined ? { budget } : {}) },
        };
      } else {
        cursor = { v: 1, since: new Date(Date.parse(r.startedAt) - OVERLAP_MS).toISOString() };
      }
      yield { messages, cursor: structuredClone(cursor) };
      if (!more) break;
    }
  }
  // A back-fill that spent its budget ends the round early.
  if (cursor.round)
    yield {
      messages: [],
      cursor: { v: 1, since: new Date(Date.parse(cursor.round.startedAt) - OVERLAP_MS).toISOString() },
    };
}
