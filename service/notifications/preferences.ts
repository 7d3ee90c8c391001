// Who wants what, how: per kind, email and/or SMS. Texts need a phone number (E.164) and a
// sending number on the server; a transactional kind (booking confirmed, cancelled, deposit
// receipt) keeps at least one channel that can actually reach the person.
import type { AppContext } from "../context.ts";
import { badRequest } from "../http/errors.ts";
import { defaultChoice, kindInfo, notificationKinds, type NotificationKind } from "./kinds.ts";
import type { PreferencesBody } from "./schemas.ts";
import { smsConfigured } from "./sms.ts";

type Audience = "artist" | "customer";

export interface PreferencesView {
  phone: string | null;
  smsAvailable: boolean;
  kinds: {
    kind: NotificationKind;
    label: string;
    transactional: boolean;
    email: boolean;
    sms: boolean;
  }[];
}

/** The kinds this role receives (a customer is not offered the artist's "new request"). */
const kindsFor = (role: string): NotificationKind[] =>
  notificationKinds.filter((k) => {
    const a = kindInfo[k].audience;
    return a === "both" || a === (role as Audience);
  });

export async function loadPreferences(ctx: AppContext, user: { id: string; role: string }): Promise<PreferencesView> {
  const [rows, u] = await Promise.all([
    ctx.db.notificationPreference.findMany({ where: { userId: user.id } }),
    ctx.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { phone: true } }),
  ]);
  const saved = new Map(rows.map((r) => [r.kind, r]));
  return {
    phone: u.phone,
    smsAvailable: smsConfigured(ctx),
    kinds: kindsFor(user.role).map((kind) => {
      const c = saved.get(kind) ?? defaultChoice;
      return {
        kind,
        label: kindInfo[kind].label,
        transactional: kindInfo[kind].transactional,
        email: c.email,
        sms: c.sms,
      };
    }),
  };
}

/** Saves the changes (a partial set of kinds, and/or the phone) after checking the whole
 *  result: 400 with a field error per problem, nothing saved. */
export async function savePreferences(
  ctx: AppContext,
  user: { id: string; role: string },
  body: PreferencesBody,
): Promise<PreferencesView> {
  const current = await loadPreferences(ctx, user);
  const phone = body.phone === undefined ? current.phone : body.phone;
  const allowed = new Set(kindsFor(user.role));
  const fields: Record<string, string> = {};
  const next = new Map(current.kinds.map((k) => [k.kind, { email: k.email, sms: k.sms }]));
  for (const [kind, choice] of Object.entries(body.kinds) as [NotificationKind, { email: boolean; sms: boolean }][]) {
    if (!allowed.has(kind)) fields[`kinds.${kind}`] = "Your account does not receive this notification.";
    else next.set(kind, choice);
  }
  for (const [kind, c] of next) {
    if (c.sms && !phone) fields[`kinds.${kind}.sms`] ??= "Add a phone number to get texts.";
    else if (c.sms && !current.smsAvailable) fields[`kinds.${kind}.sms`] ??= "Texts are not available on this server.";
    const reachable = c.email || (c.sms && phone && current.smsAvailable);
    if (kindInfo[kind].transactional && !reachable)
      fields[`kinds.${kind}`] ??= `${kindInfo[kind].label} cannot be switched off: keep email or texts on.`;
  }
  if (Object.keys(fields).length) throw badRequest("Some fields need attention.", "VALIDATION_FAILED", { fields });
  await ctx.db.$transaction([
    ...(body.phone !== undefined ? [ctx.db.user.update({ where: { id: user.id }, data: { phone: body.phone } })] : []),
    ...(Object.keys(body.kinds) as NotificationKind[]).map((kind) =>
      ctx.db.notificationPreference.upsert({
        where: { userId_kind: { userId: user.id, kind } },
        create: { userId: user.id, kind, ...next.get(kind)! },
        update: next.get(kind)!,
      }),
    ),
  ]);
  return loadPreferences(ctx, user);
}
