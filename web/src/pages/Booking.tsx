// /bookings/:id — one booking, where Stripe's checkout returns the customer (?deposit=success or
// ?deposit=cancelled). After paying, the page waits for the verified webhook to confirm the
// deposit (the browser's return alone proves nothing); after leaving the checkout it offers the
// same checkout again while Stripe still takes payment, or says why the time was released.
import { useMutation, useQuery } from "@tanstack/react-query";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api, ApiError, messageOf } from "../api.ts";
import { RequireUser } from "../guard.tsx";
import type { Appointment } from "../types.ts";
import { ErrorBox, Loading, PageTitle } from "../ui.tsx";
import { AppointmentCard } from "./MyBookings.tsx";

export default function BookingPage() {
  return <RequireUser title="Your booking">{() => <Booking />}</RequireUser>;
}

function Booking() {
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
  return (
    <>
      <PageTitle>Your booking</PageTitle>
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
      <ul className="cards" data-testid="booking">
        <AppointmentCard a={a} />
      </ul>
      {pending && a.customer === undefined ? (
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
      <p>
        <Link to="/bookings">All my bookings</Link>
      </p>
    </>
  );
}
