// Graph delta queries, walked the same way for mail folders and calendars: follow
// @odata.nextLink page by page until a page carries the @odata.deltaLink for the next round.
// A stored link Graph no longer honours (410 syncStateNotFound, or a link outside our Graph
// root) restarts the round once from the caller's first request.
import type { GraphRequest } from "@microsoft/microsoft-graph-client";
import { z } from "zod";
import { ProviderError } from "../errors.ts";
import { classifyOutlookError, DELTA_EXPIRED } from "./errors.ts";
import type { GraphSession } from "./graph.ts";

const deltaPage = z.object({
  value: z.array(z.unknown()),
  "@odata.nextLink": z.string().optional(),
  "@odata.deltaLink": z.string().optional(),
});

/** One page of a round: its items and the link to resume from (exactly one of the two). */
export type DeltaPage = { items: unknown[] } & (
  | { nextLink: string; deltaLink?: undefined }
  | { nextLink?: undefined; deltaLink: string }
);

export interface DeltaWalk {
  /** The stored nextLink (a round in progress) or deltaLink (the last finished round), if any. */
  link: string | undefined;
  /** The Prefer header sent with a stored or next link. */
  prefer: string;
  /** The first request of a new round; called after `restart`, so it may read what restart changed. */
  start: () => GraphRequest;
  /** Graph forgot `link`: the caller resets its round (and logs why) before `start` runs. */
  restart: (code: string) => void;
}

/** The pages of one delta round, from `walk.link` or a new round, ending with the deltaLink page. */
export async function* deltaPages(session: GraphSession, walk: DeltaWalk): AsyncGenerator<DeltaPage> {
  let link = walk.link;
  let restarted = false;
  for (;;) {
    let raw: unknown;
    try {
      const from = link;
      raw = await session.call(() =>
        from ? session.api(from).header("Prefer", walk.prefer).get() : walk.start().get(),
      );
    } catch (err) {
      const e = classifyOutlookError(err);
      if (link && !restarted && (e.code === DELTA_EXPIRED || e.code === "OUTLOOK_FOREIGN_LINK")) {
        restarted = true;
        link = undefined;
        walk.restart(e.code);
        continue;
      }
      throw e;
    }
    const page = deltaPage.parse(raw);
    const nextLink = page["@odata.nextLink"];
    const deltaLink = page["@odata.deltaLink"];
    if (nextLink) yield { items: page.value, nextLink };
    else if (deltaLink) yield { items: page.value, deltaLink };
    else
      throw new ProviderError("permanent", "Microsoft Graph ended a delta page without a next or delta link.", {
        code: "OUTLOOK_UNEXPECTED_RESPONSE",
      });
    if (!nextLink) return;
    link = nextLink;
  }
}
