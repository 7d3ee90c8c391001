// Who may connect which Twilio number (issue 15: one studio could take over another's SMS).
//   - A number is live on at most one Tatu account at a time: the partial unique index
//     "ConnectedAccount_twilio_number_owner" decides (a SELECT alone would let two concurrent
//     connects both win); a second connect answers 409 TWILIO_NUMBER_IN_USE.
//   - Numbers of the server's own Twilio account (TWILIO_*) are connected only by the artist
//     an admin assigned them to (TwilioNumberAssignment); anyone else gets 403.
//   - A studio's own Twilio account proves itself by its credentials owning the number.
import { Prisma } from "../db/client.ts";
import type { AppContext } from "../context.ts";
import { conflict, forbidden, HttpError } from "../http/errors.ts";
import type { ServerCredentials } from "../providers/kit/twilio/config.ts";
import type { TwilioConnectInput } from "../providers/twilio/connect.ts";

export const NUMBER_IN_USE = "TWILIO_NUMBER_IN_USE";
export const NOT_ASSIGNED = "TWILIO_NUMBER_NOT_ASSIGNED";

/** The 409 for a Twilio number another studio has connected. */
export const numberInUse = (number: string) =>
  conflict(
    `The number ${number} is already connected by another Tatu studio. A number can only be connected by one studio at a time.`,
    NUMBER_IN_USE,
  );

/** The unique index refused a second live account for the number. */
export function isNumberTaken(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

/** Which Twilio account the connect uses: the studio's own (its credentials), or the server's
 *  (only for a number assigned to the caller). The server's own AccountSid given as "your own"
 *  is the server's account: it needs the assignment like any other of its numbers. */
export async function twilioConnectPlan(
  ctx: AppContext,
  userId: string,
  input: TwilioConnectInput,
): Promise<{ number: string; own?: ServerCredentials }> {
  const serverSid = ctx.config.env.TWILIO_ACCOUNT_SID;
  if (input.accountSid && input.authToken && input.accountSid !== serverSid) {
    const number = input.phoneNumber!;
    await assertNotTaken(ctx, userId, number);
    return { number, own: { accountSid: input.accountSid, authToken: input.authToken } };
  }
  if (!serverSid || !ctx.config.env.TWILIO_AUTH_TOKEN)
    throw new HttpError(
      503,
      "PROVIDER_NOT_CONFIGURED",
      "This server has no Twilio account of its own: connect your own Twilio account (Account SID, auth token and one of its numbers).",
    );
  const number = input.phoneNumber ?? ctx.config.env.TWILIO_PHONE_NUMBER;
  if (!number)
    throw new HttpError(
      400,
      "TWILIO_NO_NUMBER",
      "Enter the Twilio phone number to connect (no default studio number is set on this server).",
    );
  const assignment = await ctx.db.twilioNumberAssignment.findUnique({ where: { phoneNumber: number } });
  if (assignment?.userId !== userId)
    throw forbidden(
      `The number ${number} belongs to this server's Twilio account and is not assigned to you. Ask the administrator to assign it to you, or connect your own Twilio account.`,
      NOT_ASSIGNED,
    );
  await assertNotTaken(ctx, userId, number);
  return { number };
}

/** A clear answer before any Twilio call; the unique index stays the guard against races. */
async function assertNotTaken(ctx: AppContext, userId: string, number: string): Promise<void> {
  const holder = await ctx.db.connectedAccount.findFirst({
    where: { provider: "twilio", externalId: number, status: { not: "disabled" }, userId: { not: userId } },
    select: { id: true },
  });
  if (holder) throw numberInUse(number);
}
