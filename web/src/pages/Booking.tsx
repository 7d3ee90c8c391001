// /bookings/:id — one booking, for both of its people. The customer lands here from Stripe's
// checkout (?deposit=success or ?deposit=cancelled): after paying, the page waits for the
// verified webhook to confirm the deposit (the browser's return alone proves nothing); after
// leaving the checkout it offers the same checkout again while Stripe still takes payment, or
// says why the time was released. Both see the artist, the studio's address once confirmed and
// the policy, and can reschedule or cancel; the artist (who opens it from the week) also marks
// it completed or a no-show once it started, adds the project's next session and picks which
// session holds the deposit. Cancelling and a no-show ask first, saying what happens to the deposit.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api, ApiError, messageOf } from "../api.ts";
import { RequireUser } from "../guard.tsx";
import type { Appointment, BookingConsequences, User } from "../types.ts";
import { ErrorBox, fmtDateTime, Loading, money, PageTitle } from "../ui.tsx";
import { wallTimeToIso } from "../wall-time.ts";
import { AppointmentCard } from "./MyBookings.tsx";

export default function BookingPage() {
  return <RequireUser title="Your booking">{(user) => <Booking user={user} />}</RequireUser>;
}

const STATUS_WORDS: Record<string, string> = {
  pending_deposit: "waiting for the deposit",
  confirmed: "confirmed",
  cancelled: "cancelled",
  completed: "completed",
  no_show: "no-show",
};

function Booking({ user }: { user: User }) {
  const { id = "" } = useParams();
  const [search] = useSearchParams();
  const returned = search.get("deposit");
  const q = useQuery({
    queryKey: ["appointments", id],
    queryFn: () => api<Appointment>(`/api/bookings/appointments/${encodeURIComponent(id)}`),
    // Back from a payment: poll until Stripe's webhook has confirmed it (or the slot was released).
    refetchInterval: (query) =>
      returned === "success" && query.state.data?.status === "pending_deposit" ? 1500 : false,
    retry: false,
  });
  const pay = useMutation({
    mutationFn: () =>
      api<{ checkoutUrl: string }>(`/api/bookings/appointments/${encodeURIComponent(id)}/checkout`, { method: "POST" }),
    onSuccess: (res) => window.location.assign(res.checkoutUrl),
  });
  if (q.isLoading) return <Loading />;
  if (q.isError)
    return (
      <>
        <PageTitle>Your booking</PageTitle>
        {q.error instanceof ApiError && q.error.status === 404 ? (
          <p data-testid="booking-missing">
            This booking does not exist, or it is not yours. See <Link to="/bookings">My bookings</Link>.
          </p>
        ) : (
          <ErrorBox error={q.error} retry={() => q.refetch()} />
        )}
      </>
    );
  const a = q.data!;
  const pending = a.status === "pending_deposit";
  const isArtist = a.artistId === user.id;
  return (
    <>
      <PageTitle>{isArtist ? `Appointment with ${a.customer?.name ?? "a customer"}` : "Your booking"}</PageTitle>
      {returned === "success" ? (
        <p role="status" className="msg" data-testid="deposit-return">
          {pending
            ? "Thank you! Waiting for Stripe to confirm your deposit…"
            : a.status === "confirmed"
              ? "Your deposit is paid: the booking is confirmed."
              : "This booking is no longer active."}
        </p>
      ) : returned === "cancelled" && pending ? (
        <p role="status" className="msg" data-testid="deposit-return">
          You left the checkout before paying. The time is held for you until the checkout expires (an hour after you
          accepted); pay the deposit to confirm it.
        </p>
      ) : null}
      <ul className="stack" data-testid="booking">
        <AppointmentCard a={a} policyOpen />
      </ul>
      {isArtist && a.customer ? <CustomerSection a={a} /> : null}
      {pending && !isArtist ? (
        <div className="actions">
          <button type="button" onClick={() => pay.mutate()} disabled={pay.isPending}>
            {pay.isPending ? "Opening the checkout…" : "Pay the deposit"}
          </button>
          <p className="msg msg-error" role="alert" data-testid="pay-error">
            {pay.isError ? messageOf(pay.error) : ""}
          </p>
        </div>
      ) : null}
      {a.status === "cancelled" && a.cancelReason ? (
        <p data-testid="cancel-reason">Cancelled: {a.cancelReason}</p>
      ) : null}
      <Outcome a={a} isArtist={isArtist} />
      <Actions a={a} isArtist={isArtist} />
      {a.project ? <Sessions a={a} isArtist={isArtist} /> : null}
      <p>{isArtist ? <Link to="/calendar">Back to the calendar</Link> : <Link to="/bookings">All my bookings</Link>}</p>
    </>
  );
}

/** The artist's view of who is coming: contact and history with this studio. */
function CustomerSection({ a }: { a: Appointment }) {
  const c = a.customer!;
  const noShows = c.history.noShows ?? 0;
  return (
    <section aria-labelledby="customer-title" className="card" data-testid="booking-customer">
      <h2 id="customer-title" className="small-heading">
        Customer
      </h2>
      <p>
        {c.name}
        {c.email ? (
          <>
            {" · "}
            <a href={`mailto:${c.email}`}>{c.email}</a>
          </>
        ) : null}
        {c.phone ? (
          <>
            {" · "}
            <a href={`tel:${c.phone}`}>{c.phone}</a>
          </>
        ) : null}
      </p>
      <p className="small muted">
        With you: {c.history.requests} request{c.history.requests === 1 ? "" : "s"}, {c.history.sessions} completed
        session{c.history.sessions === 1 ? "" : "s"}
        {noShows ? `, ${noShows} no-show${noShows === 1 ? "" : "s"}` : ""}.
      </p>
    </section>
  );
}

/** What became of it, once recorded. */
function Outcome({ a, isArtist }: { a: Appointment; isArtist: boolean }) {
  if (a.status !== "completed" && a.status !== "no_show") return null;
  const when = a.outcomeAt ? ` on ${fmtDateTime(a.outcomeAt, a.timeZone)}` : "";
  return (
    <p className="msg" data-testid="booking-outcome">
      {a.status === "completed"
        ? `Marked completed${when}.`
        : `Marked as a no-show${when}.${a.depositOutcome === "kept" ? (isArtist ? " The deposit was kept, as your policy says." : " The artist kept the deposit, as the policy says.") : ""}`}
    </p>
  );
}

const hours = (n: number) => `${n} hour${n === 1 ? "" : "s"}`;

/** The cancel step's consequence in words, from the rule the server applies (consequences.cancel). */
function cancelWords(c: BookingConsequences, isArtist: boolean): string {
  const deposit = money(c.depositCents, c.currency);
  if (c.cancel === "refunded")
    return isArtist
      ? `The customer's deposit of ${deposit} is refunded: when you cancel, the deposit always goes back.`
      : `Your deposit of ${deposit} is refunded: you are cancelling at least ${hours(c.cancelNoticeHours)} before the appointment.`;
  if (c.cancel === "kept")
    return `The artist keeps your deposit of ${deposit}: it is less than ${hours(c.cancelNoticeHours)} before the appointment, so the cancellation policy does not refund it.`;
  return "No deposit is paid on this session, so no money moves.";
}

function noShowWords(c: BookingConsequences, name: string): string {
  const recorded = `The no-show is recorded on ${name}'s client record, and no aftercare message goes out.`;
  return c.noShow === "kept"
    ? `The deposit of ${money(c.depositCents, c.currency)} is kept per your policy. ${recorded}`
    : `No deposit is paid on this session. ${recorded}`;
}

/** Cancel (both), and — once it started — completed or no-show (the artist). Cancel and no-show
 *  ask first, inline, with what happens to the deposit. */
function Actions({ a, isArtist }: { a: Appointment; isArtist: boolean }) {
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState<null | "cancel" | "no_show">(null);
  const [reason, setReason] = useState("");
  const live = a.status === "confirmed" || a.status === "pending_deposit";
  const started = new Date(a.start).getTime() <= Date.now();
  const c = a.consequences;
  const step = useMutation({
    mutationFn: (what: "cancel" | "complete" | "no-show") =>
      api<{ status: string; depositOutcome: string | null }>(`/api/bookings/appointments/${a.id}/${what}`, {
        body: what === "cancel" && reason.trim() ? { reason: reason.trim() } : {},
      }),
    onSuccess: () => {
      setConfirming(null);
      void qc.invalidateQueries({ queryKey: ["appointments"] });
    },
  });
  if (!live || !c) return null;
  const name = a.customer?.name ?? "the customer";
  return (
    <section aria-labelledby="actions-title" className="booking-actions" data-testid="booking-actions">
      <h2 id="actions-title" className="small-heading">
        {isArtist && started && a.status === "confirmed" ? "How did it go?" : "Change of plans"}
      </h2>
      {confirming === null ? (
        <div className="actions">
          {isArtist && started && a.status === "confirmed" ? (
            <>
              <button type="button" onClick={() => step.mutate("complete")} disabled={step.isPending}>
                Mark completed
              </button>{" "}
              <button type="button" className="secondary danger" onClick={() => setConfirming("no_show")}>
                Mark as no-show…
              </button>{" "}
            </>
          ) : null}
          <button type="button" className="secondary danger" onClick={() => setConfirming("cancel")}>
            Cancel appointment…
          </button>
          {isArtist && !started && a.status === "confirmed" ? (
            <p className="small muted">Completed and no-show can be marked once the appointment has started.</p>
          ) : null}
        </div>
      ) : (
        <div
          role="group"
          aria-labelledby="confirm-title"
          className="confirm card"
          data-testid={confirming === "cancel" ? "confirm-cancel" : "confirm-no-show"}
        >
          <h3 id="confirm-title" className="small-heading">
            {confirming === "cancel" ? "Cancel this appointment?" : `Mark ${name} as a no-show?`}
          </h3>
          <p data-testid="confirm-consequence">
            {confirming === "cancel"
              ? `${cancelWords(c, isArtist)} ${isArtist ? "The customer" : "The artist"} is told by email.`
              : noShowWords(c, name)}
          </p>
          {confirming === "cancel" ? (
            <div className="field">
              <label htmlFor="cancel-reason">
                Reason ({isArtist ? "the customer" : "the artist"} sees it, optional)
              </label>
              <input id="cancel-reason" value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} />
            </div>
          ) : null}
          <button
            type="button"
            className="danger"
            disabled={step.isPending}
            onClick={() => step.mutate(confirming === "cancel" ? "cancel" : "no-show")}
          >
            {confirming === "cancel" ? "Yes, cancel it" : "Yes, mark as no-show"}
          </button>{" "}
          <button type="button" className="secondary" onClick={() => setConfirming(null)}>
            {confirming === "cancel" ? "Keep the appointment" : "Go back"}
          </button>
        </div>
      )}
      <p className="msg msg-error" role="alert">
        {step.isError ? messageOf(step.error) : ""}
      </p>
    </section>
  );
}

/** The project's sessions; the artist adds the next one and picks which holds the deposit. */
function Sessions({ a, isArtist }: { a: Appointment; isArtist: boolean }) {
  const p = a.project!;
  const sessions = a.sessions ?? [];
  if (!isArtist && sessions.length < 2) return null;
  const zone = a.timeZone;
  const holder = sessions.find((s) => s.id === p.depositAppointmentId);
  // The deposit moves while it is paid (or there is none) and not yet spent on a completed session.
  const movable =
    p.depositCents > 0 && (p.depositStatus === "paid" || p.depositStatus === "none") && holder?.status !== "completed";
  return (
    <section aria-labelledby="sessions-title" data-testid="booking-sessions">
      <h2 id="sessions-title">Sessions of “{p.title}”</h2>
      <ol className="stack">
        {sessions.map((s) => (
          <li key={s.id} className="card" data-testid="session" data-status={s.status}>
            {s.id === a.id ? (
              <strong>{fmtDateTime(s.start, zone)} (this one)</strong>
            ) : (
              <Link to={`/bookings/${s.id}`}>{fmtDateTime(s.start, zone)}</Link>
            )}{" "}
            <span className={`pill pill-${s.status}`}>{STATUS_WORDS[s.status] ?? s.status}</span>
            {p.depositCents > 0 && s.id === p.depositAppointmentId ? (
              <span className="tag" data-testid="deposit-holder">
                Deposit {money(p.depositCents, p.currency)} ({p.depositStatus})
              </span>
            ) : null}
          </li>
        ))}
      </ol>
      {isArtist && movable && sessions.filter((s) => s.status !== "cancelled" && s.status !== "no_show").length > 1 ? (
        <DepositChooser a={a} />
      ) : null}
      {isArtist ? <NextSession a={a} zone={zone} canMoveDeposit={movable} /> : null}
    </section>
  );
}

function DepositChooser({ a }: { a: Appointment }) {
  const qc = useQueryClient();
  const p = a.project!;
  const [pick, setPick] = useState(p.depositAppointmentId ?? "");
  const choose = useMutation({
    mutationFn: () =>
      api(`/api/bookings/projects/${p.id}/deposit-session`, { method: "PUT", body: { appointmentId: pick } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["appointments"] }),
  });
  const options = (a.sessions ?? []).filter((s) => s.status !== "cancelled" && s.status !== "no_show");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (pick) choose.mutate();
      }}
      data-testid="deposit-chooser"
    >
      <fieldset>
        <legend>Which session the deposit of {money(p.depositCents, p.currency)} applies to</legend>
        {options.map((s) => (
          <label key={s.id} className="choice">
            <input
              type="radio"
              name="deposit-session"
              value={s.id}
              checked={pick === s.id}
              onChange={() => setPick(s.id)}
            />{" "}
            {fmtDateTime(s.start, a.timeZone)}
            {s.id === a.id ? " (this one)" : ""}
          </label>
        ))}
      </fieldset>
      <p className="small muted">
        The session holding the deposit follows the cancellation policy; cancelling any other session leaves the deposit
        alone.
      </p>
      <p className="msg msg-error" role="alert">
        {choose.isError ? messageOf(choose.error) : ""}
      </p>
      <button
        type="submit"
        className="secondary"
        disabled={!pick || pick === p.depositAppointmentId || choose.isPending}
      >
        Apply the deposit to this session
      </button>
    </form>
  );
}

function NextSession({ a, zone, canMoveDeposit }: { a: Appointment; zone: string; canMoveDeposit: boolean }) {
  const qc = useQueryClient();
  const p = a.project!;
  const [when, setWhen] = useState("");
  const [applyDeposit, setApplyDeposit] = useState(false);
  const add = useMutation({
    mutationFn: () =>
      api<{ appointmentId: string; start: string }>(`/api/bookings/projects/${p.id}/sessions`, {
        body: { start: wallTimeToIso(when, zone), ...(applyDeposit ? { applyDeposit: true } : {}) },
      }),
    onSuccess: () => {
      setWhen("");
      setApplyDeposit(false);
      void qc.invalidateQueries({ queryKey: ["appointments"] });
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (when) add.mutate();
      }}
      aria-labelledby="next-session-title"
      data-testid="next-session"
    >
      <h3 id="next-session-title" className="small-heading">
        Add the next session
      </h3>
      <div className="field">
        <label htmlFor="next-session-start">Start ({zone} time, same service)</label>
        <input id="next-session-start" type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />
      </div>
      {canMoveDeposit ? (
        <label className="choice">
          <input type="checkbox" checked={applyDeposit} onChange={(e) => setApplyDeposit(e.target.checked)} /> Apply the
          deposit to this session
        </label>
      ) : null}
      <p className="msg msg-error" role="alert">
        {add.isError ? messageOf(add.error) : ""}
      </p>
      {add.isSuccess ? (
        <p role="status" className="msg" data-testid="session-added">
          Session added for {fmtDateTime(add.data.start, zone)}; {a.customer?.name ?? "the customer"} is told by email.{" "}
          <Link to={`/bookings/${add.data.appointmentId}`}>Open it</Link>
        </p>
      ) : null}
      <button type="submit" disabled={!when || add.isPending}>
        Add session
      </button>
    </form>
  );
}
