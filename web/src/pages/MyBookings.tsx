// The customer's side: booking requests, the times an artist offered (pick one, with the deposit
// and cancellation policy in words before accepting starts the deposit checkout), appointments
// (with the studio's address once confirmed). The "times offered" email links each time here as
// /bookings?request=<id>&slot=<iso>: that time comes preselected, waiting for "Accept this time".
import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router-dom";
import { api, messageOf } from "../api.ts";
import { RequireUser } from "../guard.tsx";
import { AddressLines, PolicyText } from "../policy.tsx";
import type { Appointment, BookingRequest, RescheduleAnswer } from "../types.ts";
import { Empty, ErrorBox, fmtDateTime, fmtTime, Loading, money, PageTitle } from "../ui.tsx";
import { wallTimeToIso } from "../wall-time.ts";
import { RequestMessages } from "./RequestMessages.tsx";

export default function MyBookingsPage() {
  return <RequireUser title="My bookings">{() => <MyBookings />}</RequireUser>;
}

const REQUEST_WORDS: Record<string, string> = {
  pending: "Waiting for the artist",
  offered: "Times offered — pick one",
  declined: "Declined",
  booked: "Booked",
  cancelled: "Cancelled",
};

function MyBookings() {
  const [search] = useSearchParams();
  const linked = { request: search.get("request"), slot: search.get("slot") };
  const requests = useQuery({
    queryKey: ["requests", "customer"],
    queryFn: () => api<{ items: BookingRequest[] }>("/api/bookings/requests"),
  });
  const appts = useQuery({
    queryKey: ["appointments", "mine"],
    queryFn: () => api<{ items: Appointment[] }>("/api/bookings/appointments"),
  });
  return (
    <>
      <PageTitle>My bookings</PageTitle>
      <h2>Appointments</h2>
      {appts.isLoading ? (
        <Loading />
      ) : appts.isError ? (
        <ErrorBox error={appts.error} retry={() => appts.refetch()} />
      ) : appts.data!.items.length === 0 ? (
        <Empty>
          <p>No appointments yet.</p>
        </Empty>
      ) : (
        <ul className="cards" data-testid="my-appointments">
          {appts.data!.items.map((a) => (
            <AppointmentCard key={a.id} a={a} />
          ))}
        </ul>
      )}
      <h2>Requests</h2>
      {requests.isLoading ? (
        <Loading />
      ) : requests.isError ? (
        <ErrorBox error={requests.error} retry={() => requests.refetch()} />
      ) : requests.data!.items.length === 0 ? (
        <Empty>
          <p>
            No requests yet. <Link to="/artists">Find an artist</Link> and send one.
          </p>
        </Empty>
      ) : (
        <ul className="cards" data-testid="my-requests">
          {requests.data!.items.map((r) => (
            <RequestCard key={r.id} r={r} linkedSlot={linked.request === r.id ? linked.slot : null} />
          ))}
        </ul>
      )}
    </>
  );
}

/** The offered slot an emailed link names (compared as instants: the link's ISO text may differ). */
function offeredMatch(r: BookingRequest, slot: string | null): string | undefined {
  const t = slot ? new Date(slot).getTime() : Number.NaN;
  return r.offeredSlots?.find((s) => new Date(s.start).getTime() === t)?.start;
}

function RequestCard({ r, linkedSlot }: { r: BookingRequest; linkedSlot: string | null }) {
  const qc = useQueryClient();
  const fromLink = r.status === "offered" ? offeredMatch(r, linkedSlot) : undefined;
  const [pick, setPick] = useState(fromLink ?? "");
  const card = useRef<HTMLLIElement>(null);
  // Opened from the email: bring the card into view, its chosen time waiting for the confirmation.
  useEffect(() => {
    if (linkedSlot) card.current?.scrollIntoView({ block: "center" });
  }, [linkedSlot]);
  // Offered times read as the studio's clock shows them (the appointment happens there).
  const zone = r.artist?.timeZone;
  const accept = useMutation({
    mutationFn: () =>
      api<{ status: string; checkoutUrl?: string }>(`/api/bookings/requests/${r.id}/accept`, { body: { start: pick } }),
    onSuccess: (res) => {
      if (res.checkoutUrl) window.location.assign(res.checkoutUrl);
      void qc.invalidateQueries({ queryKey: ["requests"] });
      void qc.invalidateQueries({ queryKey: ["appointments"] });
    },
  });
  return (
    <li className="card" data-testid="request" data-status={r.status} ref={card}>
      <p>
        <strong>{r.idea}</strong>
      </p>
      <p className="muted small">
        {r.artist ? `${r.artist.displayName} · ` : ""}
        {r.placement} · {r.size} · sent {fmtDateTime(r.createdAt)}
      </p>
      <p>
        <span className={`pill pill-${r.status}`}>{REQUEST_WORDS[r.status] ?? r.status}</span>
        {r.declineReason ? ` — ${r.declineReason}` : ""}
      </p>
      {linkedSlot && !accept.isSuccess ? (
        fromLink ? (
          pick === fromLink ? (
            <p role="status" className="msg" data-testid="linked-slot">
              You chose {fmtDateTime(fromLink, zone)} in the email. Read the policy below, then confirm with "Accept
              this time".
            </p>
          ) : null
        ) : (
          <p role="status" className="msg" data-testid="linked-slot">
            {r.status === "offered"
              ? "The time in the email is no longer on offer; pick one of the times below."
              : `The times in the email are no longer on offer: this request is ${(REQUEST_WORDS[r.status] ?? r.status).toLowerCase()}.`}
          </p>
        )
      ) : null}
      {r.status === "offered" && r.offeredSlots?.length ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (pick) accept.mutate();
          }}
        >
          <fieldset>
            <legend>Pick a time{zone ? ` (${zone} time, where the studio is)` : ""}</legend>
            {r.offeredSlots.map((s) => (
              <label key={s.start} className="choice">
                <input
                  type="radio"
                  name={`slot-${r.id}`}
                  value={s.start}
                  checked={pick === s.start}
                  onChange={() => setPick(s.start)}
                />{" "}
                {fmtDateTime(s.start, zone)} – {fmtTime(s.end, zone)}
              </label>
            ))}
          </fieldset>
          <section aria-labelledby={`offer-policy-${r.id}`}>
            <h3 id={`offer-policy-${r.id}`} className="small-heading">
              {r.project?.depositCents
                ? `Deposit ${money(r.project.depositCents, r.project.currency)} and cancellation`
                : "Cancellation"}
            </h3>
            <PolicyText sentences={r.policy} testId="offer-policy" id={`offer-policy-text-${r.id}`} />
          </section>
          <p className="msg msg-error" role="alert">
            {accept.isError ? messageOf(accept.error) : ""}
          </p>
          <button type="submit" disabled={!pick || accept.isPending} aria-describedby={`offer-policy-text-${r.id}`}>
            {accept.isPending ? "Booking…" : "Accept this time"}
          </button>
        </form>
      ) : null}
      {accept.isSuccess ? (
        <p role="status" className="msg" data-testid="booking-confirmed">
          {accept.data.status === "confirmed" ? "Booked — see you then!" : "Almost there: pay the deposit to confirm."}
        </p>
      ) : null}
      <RequestMessages requestId={r.id} />
    </li>
  );
}

/** One appointment; a future, live one can be moved. Close to the start (inside the artist's
 *  cancellation notice) the new time waits for the artist's approval and the card says so. */
export function AppointmentCard({ a, policyOpen = false }: { a: Appointment; policyOpen?: boolean }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [when, setWhen] = useState("");
  const live = a.status === "confirmed" || a.status === "pending_deposit";
  const movable = live && new Date(a.start).getTime() > Date.now();
  const move = useMutation({
    mutationFn: () =>
      api<RescheduleAnswer>(`/api/bookings/appointments/${a.id}/reschedule`, {
        // Typed as the studio's clock reads, like the time the card shows.
        body: { start: wallTimeToIso(when, a.timeZone) },
      }),
    onSuccess: () => {
      setOpen(false);
      setWhen("");
      void qc.invalidateQueries({ queryKey: ["appointments"] });
    },
  });
  return (
    <li className="card" data-testid="appointment" data-status={a.status}>
      <strong>{fmtDateTime(a.start, a.timeZone)}</strong>{" "}
      <span className={`pill pill-${a.status}`}>{a.status.replace("_", " ")}</span>
      {a.artist ? <p className="small">with {a.artist.displayName}</p> : null}
      {a.address ? (
        <div className="small">
          <p className="small-heading">Where</p>
          <AddressLines address={a.address} />
        </div>
      ) : a.status === "pending_deposit" ? (
        <p className="small muted">The studio's address shows here once the booking is confirmed.</p>
      ) : a.status === "confirmed" ? (
        <p className="small muted" data-testid="no-address">
          {a.customer
            ? "Your studio's street address is not in your profile yet: add it so customers know where to go."
            : "The artist has not entered the studio's street address yet: ask them where to go."}
        </p>
      ) : null}
      {live && a.policy ? (
        <details className="small" open={policyOpen}>
          <summary>Deposit and cancellation policy</summary>
          <PolicyText sentences={a.policy} />
        </details>
      ) : null}
      {live && a.requestedStart ? (
        <p className="small" data-testid="reschedule-pending">
          <span className="pill pill-pending">Awaiting artist approval</span> New time asked for:{" "}
          {fmtDateTime(a.requestedStart, a.timeZone)}. Until the artist approves, your appointment stays at its current
          time.
        </p>
      ) : null}
      {move.isSuccess && move.data.approval === "not_needed" ? (
        <p role="status" className="msg small">
          Moved.
        </p>
      ) : null}
      {movable ? (
        open ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (when) move.mutate();
            }}
            aria-busy={move.isPending}
          >
            <div className="field">
              <label htmlFor={`move-${a.id}`}>New time ({a.timeZone} time, where the studio is)</label>
              <input id={`move-${a.id}`} type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />
            </div>
            <p className="msg msg-error" role="alert">
              {move.isError ? messageOf(move.error) : ""}
            </p>
            <button type="submit" disabled={!when || move.isPending}>
              Ask for this time
            </button>{" "}
            <button type="button" className="secondary" onClick={() => setOpen(false)}>
              Keep the current time
            </button>
          </form>
        ) : (
          <button type="button" className="secondary small" onClick={() => setOpen(true)}>
            Reschedule
          </button>
        )
      ) : null}
    </li>
  );
}
