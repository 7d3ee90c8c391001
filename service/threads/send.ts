// Sending on the Tatu channel: the artist's message (written in the inbox composer, or a reply
// to a notification email) is already stored; "sending" it marks it sent and records the
// customer's "message from your artist" notification in one transaction, so the customer is
// told exactly once however often the send job runs. They read it on their booking page.
import type { AppContext } from "../context.ts";
import { kickNotifications, recordNotifications } from "../notifications/index.ts";

export type TatuSendResult = { status: "sent" | "already" };

/** Hands a pending Tatu message to the customer: marked sent + the notification, together. */
export async function sendTatuMessage(ctx: AppContext, messageId: string): Promise<TatuSendResult> {
  const sent = await ctx.db.$transaction(async (tx) => {
    const claimed = await tx.message.updateMany({
      where: { id: messageId, status: "pending", direction: "outbound" },
      data: { status: "sent", sentAt: new Date(), statusError: null },
    });
    if (!claimed.count) return null;
    await recordNotifications(ctx, tx, { type: "artist_message", messageId });
    return tx.message.findUniqueOrThrow({
      where: { id: messageId },
      select: { id: true, userId: true, conversationId: true, conversation: { select: { threadKey: true } } },
    });
  });
  if (!sent) return { status: "already" };
  kickNotifications(ctx);
  await ctx.realtime
    .publish(sent.userId, {
      type: "message.status",
      conversationId: sent.conversationId,
      messageId: sent.id,
      status: "sent",
    })
    .catch(() => undefined);
  const customerId = sent.conversation.threadKey.replace(/^customer:/, "");
  await ctx.realtime
    .publish(customerId, { type: "booking.message", conversationId: sent.conversationId, messageId: sent.id })
    .catch(() => undefined);
  return { status: "sent" };
}
