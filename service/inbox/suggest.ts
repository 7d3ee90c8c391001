// Suggested replies: drafts an answer from the thread with the official OpenAI SDK. It only
// ever returns text for the artist to edit; nothing is sent from here.
import type { AppContext } from "../context.ts";
import type { SessionUser } from "../auth/sessions.ts";
import { HttpError } from "../http/errors.ts";

const MAX_MESSAGES = 20;
const MAX_CHARS_PER_MESSAGE = 2_000;

/** A reply draft from OpenAI for the conversation's recent messages; 503 when OPENAI_API_KEY is not set. */
export async function suggestReply(
  ctx: AppContext,
  user: SessionUser,
  conversationId: string,
): Promise<{ draft: string; model: string }> {
  const apiKey = ctx.config.env.OPENAI_API_KEY;
  if (!apiKey)
    throw new HttpError(
      503,
      "SUGGESTIONS_UNAVAILABLE",
      "Suggested replies are not set up on this server (OPENAI_API_KEY is missing).",
    );
  const model = ctx.config.env.OPENAI_MODEL ?? "gpt-4o-mini";
  const recent = await ctx.db.message.findMany({
    where: { conversationId },
    orderBy: [{ sentAt: "desc" }, { id: "desc" }],
    take: MAX_MESSAGES,
    select: { direction: true, text: true, fromName: true, subject: true },
  });
  if (!recent.length)
    throw new HttpError(409, "NOTHING_TO_REPLY_TO", "This conversation has no message to answer yet.");

  // No SDK retries: the artist is waiting, and a busy answer tells the UI when to try again.
  const { default: OpenAI } = await import("openai"); // loaded at the first suggestion, not at boot
  const client = new OpenAI({ apiKey, baseURL: ctx.config.env.OPENAI_BASE_URL, maxRetries: 0, timeout: 20_000 });
  const thread = recent.reverse().map((m) => ({
    role: m.direction === "inbound" ? ("user" as const) : ("assistant" as const),
    content: m.text.slice(0, MAX_CHARS_PER_MESSAGE) || "(no text)",
  }));
  try {
    const completion = await client.chat.completions.create({
      model,
      temperature: 0.4,
      messages: [
        {
          role: "system",
          content:
            `You draft replies for ${user.name}, a tattoo artist, to customers. Be warm, brief and concrete. ` +
            "Never invent prices, dates or availability that are not in the conversation; ask instead. Reply with the message text only.",
        },
        ...thread,
      ],
    });
    const draft = completion.choices[0]?.message?.content?.trim();
    if (!draft)
      throw new HttpError(502, "SUGGESTION_FAILED", "The suggestion service returned an empty draft. Try again.");
    return { draft, model: completion.model };
  } catch (err) {
    if (err instanceof HttpError) throw err;
    if (err instanceof OpenAI.RateLimitError) {
      const retry = Number(err.headers?.get?.("retry-after") ?? 30);
      throw new HttpError(
        503,
        "SUGGESTIONS_BUSY",
        "The suggestion service is busy. Try again in a moment.",
        { retryAfterSec: retry },
        { "Retry-After": String(retry) },
      );
    }
    ctx.log.warn(
      { err: (err as Error).message, status: (err as { status?: number }).status },
      "suggested reply failed",
    );
    throw new HttpError(502, "SUGGESTION_FAILED", "The suggestion service could not draft a reply right now.");
  }
}
