// The artist's week in the studio's time zone (appointments + busy time from connected
// calendars, days off closed, each appointment opening its details), booking requests to answer
// (offer times / decline), and booking settings (hours, time zone, services, deposits).
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { wallTimeToIso } from "../wall-time.ts";
import { api, ApiError, messageOf } from "../api.ts";
import { apiFields, type FieldErrors } from "../forms.ts";
import { RequireUser } from "../guard.tsx";
import type {
  Appointment,
  BookingRequest,
  CustomerCard,
  OwnProfile,
  Service,
  User,
  WeekAppointment,
  WeekView,
  Weekday,
} from "../types.ts";
import { Empty, ErrorBox, Field, fmtDateTime, fmtTime, Loading, money, PageTitle } from "../ui.tsx";

export default function CalendarPage() {
  return (
    <RequireUser role="artist" title="Calendar & bookings">
      {(u) => <Calendar user={u} />}
    </RequireUser>
  );
}

export function useOwnProfile() {
  return useQuery({
    queryKey: ["own-profile"],
    queryFn: async () => {
      try {
        return await api<OwnProfile>("/api/me/artist-profile");
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
  });
}

function Calendar({ user }: { user: User }) {
  return (
    <>
      <PageTitle>Calendar &amp; bookings</PageTitle>
      <Requests user={user} />
      <RescheduleRequests userId={user.id} />
      <Week />
      <Settings />
    </>
  );
}

interface Busy {
  id: string;
  start: string;
  end: string;
  allDay: boolean;
  calendar: string;
}

/** The artist's week, Monday to Sunday in the studio's time zone (GET /api/bookings/week works
 *  the days out, so a browser elsewhere still sees the studio's days and times). Days without
 *  working hours read "Closed"; each appointment opens its details. */
function Week() {
  // undefined = the current week in the studio's zone; otherwise the Monday the server named.
  const [start, setStart] = useState<string | undefined>();
  const [open, setOpen] = useState<WeekAppointment | null>(null);
  const week = useQuery({
    // Under "appointments": whatever refreshes appointments (live events, answers) refreshes the week.
    queryKey: ["appointments", "week", start ?? "current"],
    queryFn: () => api<WeekView>(`/api/bookings/week${start ? `?start=${start}` : ""}`),
  });
  const w = week.data;
  const busy = useQuery({
    queryKey: ["busy", w?.from],
    queryFn: () => api<{ items: Busy[] }>(`/api/calendars/busy?from=${w!.from}&to=${w!.to}`),
    enabled: Boolean(w),
  });
  const zone = w?.timeZone;
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const dateLabel = (date: string, opts: Intl.DateTimeFormatOptions) =>
    new Date(`${date}T12:00:00Z`).toLocaleDateString(undefined, { ...opts, timeZone: "UTC" });
  const label = w
    ? `${dateLabel(w.weekStart, { day: "numeric", month: "short" })} – ${dateLabel(w.days[6]!.date, { day: "numeric", month: "short", year: "numeric" })}`
    : "";
  return (
    <section aria-labelledby="week-title">
      <div className="week-head">
        <h2 id="week-title">{w ? `Week of ${label}` : "Week"}</h2>
        <div className="actions">
          <button type="button" className="secondary small" disabled={!w} onClick={() => w && setStart(w.previousWeek)}>
            ← Previous week
          </button>
          <button type="button" className="secondary small" onClick={() => setStart(undefined)}>
            This week
          </button>
          <button type="button" className="secondary small" disabled={!w} onClick={() => w && setStart(w.nextWeek)}>
            Next week →
          </button>
        </div>
      </div>
      {w ? (
        <p className="muted small" data-testid="week-zone">
          Times in your studio's time zone ({w.timeZone})
          {browserZone !== w.timeZone ? `; this device is set to ${browserZone}` : ""}. Grey blocks are busy time from
          your connected calendars.
        </p>
      ) : null}
      {week.isLoading ? (
        <Loading />
      ) : week.isError ? (
        week.error instanceof ApiError && week.error.status === 409 ? (
          <p>
            Create your <Link to="/profile">artist profile</Link> first: the week follows its time zone and hours.
          </p>
        ) : (
          <ErrorBox error={week.error} retry={() => week.refetch()} />
        )
      ) : (
        <ol className="week" data-testid="week">
          {w!.days.map((d) => {
            const dayStart = new Date(d.start).getTime(),
              dayEnd = new Date(d.end).getTime();
            const on = (iso: string) => {
              const t = new Date(iso).getTime();
              return t >= dayStart && t < dayEnd;
            };
            const b = (busy.data?.items ?? []).filter(
              (x) =>
                on(x.start) ||
                (x.allDay && new Date(x.start).getTime() <= dayStart && new Date(x.end).getTime() > dayStart),
            );
            const events = [
              ...d.appointments.map((x) => ({ kind: "appt" as const, start: x.start, x })),
              ...b.map((x) => ({ kind: "busy" as const, start: x.start, x })),
            ].sort((p, q) => new Date(p.start).getTime() - new Date(q.start).getTime());
            return (
              <li
                key={d.date}
                className={`day ${d.today ? "today" : ""} ${d.closed ? "closed" : ""}`}
                data-testid="week-day"
                data-date={d.date}
                data-closed={d.closed}
              >
                <h3 className="day-name">
                  {dateLabel(d.date, { weekday: "short", day: "numeric", month: "short" })}
                  {d.today ? " (today)" : ""}
                </h3>
                <p className="small muted day-hours">
                  {d.closed ? (
                    <strong className="closed-label">Closed</strong>
                  ) : (
                    `Open ${d.hours.map((h) => `${h.start}–${h.end}`).join(", ")}`
                  )}
                </p>
                {!d.closed && events.length === 0 ? <p className="muted small">Free</p> : null}
                <ul>
                  {events.map((e) =>
                    e.kind === "appt" ? (
                      <li key={e.x.id} className={`event appt status-${e.x.status}`} data-testid="appointment">
                        <button
                          type="button"
                          className="event-open"
                          aria-haspopup="dialog"
                          onClick={() => setOpen(e.x)}
                        >
                          <strong>
                            {fmtTime(e.x.start, zone)}–{fmtTime(e.x.end, zone)}
                          </strong>{" "}
                          {e.x.customer?.name ?? "Tattoo session"}{" "}
                          <span className={`pill pill-${e.x.status}`}>{e.x.status.replace("_", " ")}</span>
                        </button>
                      </li>
                    ) : (
                      <li key={e.x.id} className="event busy" data-testid="busy-block">
                        {e.x.allDay ? "All day" : `${fmtTime(e.x.start, zone)}–${fmtTime(e.x.end, zone)}`} Busy (
                        {e.x.calendar})
                      </li>
                    ),
                  )}
                </ul>
              </li>
            );
          })}
        </ol>
      )}
      {busy.isError ? (
        <p className="msg-error small">Busy time from calendars could not be loaded: {messageOf(busy.error)}</p>
      ) : null}
      {open && zone ? <AppointmentDialog a={open} zone={zone} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

/** One appointment's details in a modal dialog (Escape or "Close" returns to the week). */
function AppointmentDialog({ a, zone, onClose }: { a: WeekAppointment; zone: string; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.showModal();
    return () => opener?.focus();
  }, []);
  const day = new Date(a.start).toLocaleDateString(undefined, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    timeZone: zone,
  });
  return (
    <dialog
      ref={ref}
      className="appointment-dialog"
      aria-labelledby="appointment-dialog-title"
      data-testid="appointment-dialog"
      onClose={onClose}
    >
      <h2 id="appointment-dialog-title">{a.title ?? a.service ?? "Appointment"}</h2>
      <dl className="details">
        <dt>Customer</dt>
        <dd>
          {a.customer ? (
            <>
              {a.customer.name}
              <br />
              <a href={`mailto:${a.customer.email}`}>{a.customer.email}</a>
              {a.customer.phone ? (
                <>
                  <br />
                  <a href={`tel:${a.customer.phone}`}>{a.customer.phone}</a>
                </>
              ) : null}
            </>
          ) : (
            "Unknown (account deleted)"
          )}
        </dd>
        <dt>When</dt>
        <dd>
          {day}, {fmtTime(a.start, zone)}–{fmtTime(a.end, zone)} ({zone})
        </dd>
        {a.service ? (
          <>
            <dt>Service</dt>
            <dd>{a.service}</dd>
          </>
        ) : null}
        <dt>Status</dt>
        <dd>
          <span className={`pill pill-${a.status}`}>{a.status.replace("_", " ")}</span>
        </dd>
        {a.deposit ? (
          <>
            <dt>Deposit</dt>
            <dd>
              {money(a.deposit.cents, a.deposit.currency)} — {a.deposit.status}
            </dd>
          </>
        ) : null}
        {a.requestedStart ? (
          <>
            <dt>New time asked for</dt>
            <dd>{fmtDateTime(a.requestedStart, zone)} (waiting for your answer under Reschedule requests)</dd>
          </>
        ) : null}
      </dl>
      <p>
        <Link to={`/bookings/${a.id}`} data-testid="open-booking">
          Open the booking
        </Link>{" "}
        <span className="small muted">(reschedule, cancel, completed or no-show, sessions and deposit)</span>
      </p>
      <form method="dialog">
        <button type="submit" className="secondary">
          Close
        </button>
      </form>
    </dialog>
  );
}

/** Customers' new times asked for inside the cancellation notice: the appointment stays put until the artist answers. */
function RescheduleRequests({ userId }: { userId: string }) {
  const qc = useQueryClient();
  const q = useQuery({
    queryKey: ["appointments", "reschedule-requests"],
    queryFn: () => api<{ items: Appointment[] }>("/api/bookings/appointments?rescheduleRequested=true"),
  });
  const answer = useMutation({
    mutationFn: ({ id, verdict }: { id: string; verdict: "approve" | "decline" }) =>
      api(`/api/bookings/appointments/${id}/reschedule/${verdict}`, { body: {} }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: ["appointments"] });
    },
  });
  const items = (q.data?.items ?? []).filter((a) => a.artistId === userId && a.requestedStart);
  if (q.isError) return <ErrorBox error={q.error} retry={() => q.refetch()} />;
  if (!items.length) return null;
  return (
    <section aria-labelledby="reschedule-title">
      <h2 id="reschedule-title">
        Reschedule requests<span className="badge">{items.length}</span>
      </h2>
      <p className="muted small">
        Asked for inside your cancellation notice, so they need your approval; each appointment keeps its time until you
        answer.
      </p>
      <ul className="stack">
        {items.map((a) => (
          <li key={a.id} className="card" data-testid="reschedule-request">
            <p>
              From <strong>{fmtDateTime(a.start, a.timeZone)}</strong> to{" "}
              <strong>{fmtDateTime(a.requestedStart, a.timeZone)}</strong>
            </p>
            <div className="actions">
              <button
                type="button"
                className="small"
                disabled={answer.isPending}
                onClick={() => answer.mutate({ id: a.id, verdict: "approve" })}
              >
                Approve new time
              </button>
              <button
                type="button"
                className="secondary small danger"
                disabled={answer.isPending}
                onClick={() => answer.mutate({ id: a.id, verdict: "decline" })}
              >
                Decline
              </button>
            </div>
          </li>
        ))}
      </ul>
      <p className="msg msg-error" role="alert">
        {answer.isError ? messageOf(answer.error) : ""}
      </p>
    </section>
  );
}

function Requests({ user }: { user: User }) {
  const q = useQuery({
    queryKey: ["requests", "artist"],
    queryFn: () => api<{ items: BookingRequest[] }>("/api/bookings/requests?as=artist"),
  });
  const profile = useOwnProfile();
  const open = (q.data?.items ?? []).filter((r) => r.status === "pending" || r.status === "offered");
  const closed = (q.data?.items ?? []).filter((r) => !(r.status === "pending" || r.status === "offered")).slice(0, 10);
  return (
    <section aria-labelledby="requests-title">
      <h2 id="requests-title">Booking requests{open.length ? <span className="badge">{open.length}</span> : null}</h2>
      {q.isLoading ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} retry={() => q.refetch()} />
      ) : open.length === 0 ? (
        <Empty>
          <p>
            No open requests. Customers find you through your <Link to="/profile">public profile</Link>.
          </p>
        </Empty>
      ) : (
        <ul className="stack" data-testid="artist-requests">
          {open.map((r) => (
            <RequestCard
              key={r.id}
              r={r}
              userId={user.id}
              zone={profile.data?.timeZone}
              services={(profile.data?.services ?? []).filter((s) => s.active !== false)}
            />
          ))}
        </ul>
      )}
      {closed.length ? (
        <details>
          <summary>Recent answered requests</summary>
          <ul>
            {closed.map((r) => (
              <li key={r.id} className="small">
                {r.idea.slice(0, 60)} — {r.status}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

/** Who sent it: name, how to reach them, and what they did with this artist before. */
function CustomerLine({ c }: { c: CustomerCard }) {
  const earlier = c.history.requests - 1;
  return (
    <p className="small" data-testid="request-customer">
      From <strong>{c.name}</strong>
      {c.email ? (
        <>
          {" "}
          · <a href={`mailto:${c.email}`}>{c.email}</a>
        </>
      ) : null}
      {c.phone ? (
        <>
          {" "}
          · <a href={`tel:${c.phone}`}>{c.phone}</a>
        </>
      ) : null}{" "}
      ·{" "}
      {earlier > 0 || c.history.sessions > 0
        ? `${earlier} earlier request${earlier === 1 ? "" : "s"}, ${c.history.sessions} session${c.history.sessions === 1 ? "" : "s"} with you`
        : "first request to you"}
      <span>
        {" "}
        · <Link to={`/clients/${c.id}`}>Client record</Link>
      </span>
    </p>
  );
}

/** A request to answer. Times read and are typed in the studio's zone (`zone`), like the week. */
function RequestCard({
  r,
  userId,
  services,
  zone,
}: {
  r: BookingRequest;
  userId: string;
  services: Service[];
  zone: string | undefined;
}) {
  const qc = useQueryClient();
  // The artist's choice, else the request's service, else the first one — read on every render:
  // the services may load after the card first drew (an initial state would stay empty, and the
  // offer form would show no free times).
  const [chosenServiceId, setServiceId] = useState("");
  const serviceId = chosenServiceId || r.serviceId || services[0]?.id || "";
  const [picked, setPicked] = useState<string[]>([]);
  const [manual, setManual] = useState("");
  const [mode, setMode] = useState<"none" | "offer" | "decline">("none");
  const [reason, setReason] = useState("");
  const service = services.find((s) => s.id === serviceId);
  const slots = useQuery({
    queryKey: ["availability", userId, serviceId],
    // From the next half hour, so the offered times sit on the :00/:30 grid.
    queryFn: () =>
      api<{ slots: { start: string; end: string }[] }>(
        `/api/artists/${userId}/availability?serviceId=${serviceId}&from=${new Date(Math.ceil(Date.now() / 1_800_000) * 1_800_000).toISOString()}`,
      ),
    enabled: mode === "offer" && Boolean(serviceId),
    retry: false,
  });
  const done = () => {
    void qc.invalidateQueries({ queryKey: ["requests"] });
  };
  const offer = useMutation({
    mutationFn: () =>
      api(`/api/bookings/requests/${r.id}/offer`, {
        body: {
          serviceId,
          slots: [...picked, ...(manual ? [wallTimeToIso(manual, zone)] : [])].map((start) => ({ start })),
        },
      }),
    onSuccess: () => {
      setMode("none");
      setPicked([]);
      done();
    },
  });
  const decline = useMutation({
    mutationFn: () =>
      api(`/api/bookings/requests/${r.id}/decline`, { body: reason.trim() ? { reason: reason.trim() } : {} }),
    onSuccess: done,
  });
  const byDay = useMemo(() => {
    const m = new Map<string, { start: string; end: string }[]>();
    for (const s of (slots.data?.slots ?? []).slice(0, 60)) {
      const k = new Date(s.start).toLocaleDateString("en-CA", zone ? { timeZone: zone } : {});
      m.set(k, [...(m.get(k) ?? []), s]);
    }
    return [...m.entries()].slice(0, 5);
  }, [slots.data]);
  const toggle = (s: string) =>
    setPicked((p) => (p.includes(s) ? p.filter((x) => x !== s) : p.length >= 10 ? p : [...p, s]));
  return (
    <li className="card" data-testid="booking-request" data-status={r.status}>
      {r.customer ? <CustomerLine c={r.customer} /> : null}
      <p>
        <strong>{r.idea}</strong>
      </p>
      <p className="muted small">
        Placement: {r.placement} · Size: {r.size}
        {r.budget ? ` · Budget: ${r.budget}` : ""} · {fmtDateTime(r.createdAt)}
      </p>
      {r.references.length ? (
        <ul className="attachments" aria-label="Reference images">
          {r.references.map((f) => (
            <li key={f.id}>
              <a href={`/api/bookings/requests/${r.id}/references/${f.id}`} target="_blank" rel="noreferrer">
                {f.contentType.startsWith("image/") ? (
                  <img src={`/api/bookings/requests/${r.id}/references/${f.id}`} alt={f.filename} loading="lazy" />
                ) : (
                  f.filename
                )}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      {r.status === "offered" ? (
        <p className="small">
          Offered: {(r.offeredSlots ?? []).map((s) => fmtDateTime(s.start, zone)).join(", ")} — waiting for the
          customer.
        </p>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="small"
          onClick={() => setMode(mode === "offer" ? "none" : "offer")}
          aria-expanded={mode === "offer"}
        >
          {r.status === "offered" ? "Offer other times" : "Offer times"}
        </button>
        <button
          type="button"
          className="secondary small danger"
          onClick={() => setMode(mode === "decline" ? "none" : "decline")}
          aria-expanded={mode === "decline"}
        >
          Decline
        </button>
      </div>
      {mode === "offer" ? (
        services.length === 0 ? (
          <p className="msg-error">Add a service with its duration first (Booking settings below).</p>
        ) : (
          <form
            className="offer"
            onSubmit={(e) => {
              e.preventDefault();
              offer.mutate();
            }}
            aria-busy={offer.isPending}
          >
            <div className="field">
              <label htmlFor={`offer-service-${r.id}`}>Service</label>
              <select
                id={`offer-service-${r.id}`}
                value={serviceId}
                onChange={(e) => {
                  setServiceId(e.target.value);
                  setPicked([]);
                }}
              >
                {services.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} ({s.durationMinutes} min
                    {s.depositCents ? `, deposit ${money(s.depositCents, s.currency)}` : ""})
                  </option>
                ))}
              </select>
            </div>
            <fieldset>
              <legend>Free times{service ? ` for ${service.durationMinutes} min` : ""} (pick up to 10)</legend>
              {slots.isLoading ? (
                <Loading label="Finding free times…" />
              ) : slots.isError ? (
                <p className="small muted">Free times show once your profile is public. Enter a time below instead.</p>
              ) : byDay.length === 0 ? (
                <p className="small muted">No free times in the next two weeks. Check your working hours.</p>
              ) : (
                byDay.map(([day, list]) => (
                  <div key={day} className="slot-day">
                    <p className="small">
                      <strong>
                        {new Date(list[0]!.start).toLocaleDateString(undefined, {
                          weekday: "short",
                          day: "numeric",
                          month: "short",
                          ...(zone ? { timeZone: zone } : {}),
                        })}
                      </strong>
                    </p>
                    <div className="slots">
                      {list.slice(0, 12).map((s) => (
                        <label key={s.start} className="slot">
                          <input
                            type="checkbox"
                            name="slot"
                            value={s.start}
                            checked={picked.includes(s.start)}
                            onChange={() => toggle(s.start)}
                          />{" "}
                          {fmtTime(s.start, zone)}
                        </label>
                      ))}
                    </div>
                  </div>
                ))
              )}
            </fieldset>
            <div className="field">
              <label htmlFor={`offer-manual-${r.id}`}>Or another time{zone ? ` (${zone} time)` : ""}</label>
              <input
                id={`offer-manual-${r.id}`}
                type="datetime-local"
                value={manual}
                onChange={(e) => setManual(e.target.value)}
              />
            </div>
            <p className="msg msg-error" role="alert">
              {offer.isError ? messageOf(offer.error) : ""}
            </p>
            <button type="submit" disabled={offer.isPending || (!picked.length && !manual)}>
              Send offer
            </button>
          </form>
        )
      ) : null}
      {mode === "decline" ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            decline.mutate();
          }}
        >
          <div className="field">
            <label htmlFor={`decline-reason-${r.id}`}>Reason (the customer sees it, optional)</label>
            <input id={`decline-reason-${r.id}`} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <p className="msg msg-error" role="alert">
            {decline.isError ? messageOf(decline.error) : ""}
          </p>
          <button type="submit" className="danger" disabled={decline.isPending}>
            Decline request
          </button>
        </form>
      ) : null}
    </li>
  );
}

const WEEKDAYS: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES: Record<Weekday, string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};
const hoursText = (list: { start: string; end: string }[]) => list.map((i) => `${i.start}-${i.end}`).join(", ");
function parseHours(text: string): { start: string; end: string }[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [start = "", end = ""] = s.split(/\s*[-–]\s*/);
      return { start: start.padStart(5, "0"), end: end.padStart(5, "0") };
    });
}

function Settings() {
  const qc = useQueryClient();
  const profile = useOwnProfile();
  const [fields, setFields] = useState<FieldErrors>({});
  const [msg, setMsg] = useState<{ info?: string; error?: string }>({});
  const save = useMutation({
    mutationFn: (body: unknown) => api<OwnProfile>("/api/me/artist-profile", { method: "PUT", body }),
    onMutate: () => {
      setFields({});
      setMsg({});
    },
    onSuccess: (p) => {
      qc.setQueryData(["own-profile"], p);
      void qc.invalidateQueries({ queryKey: ["appointments", "week"] }); // its zone and hours
      setMsg({ info: "Saved." });
    },
    onError: (err) => {
      setFields(apiFields(err));
      setMsg({ error: messageOf(err) });
    },
  });
  if (profile.isLoading) return <Loading />;
  if (profile.isError) return <ErrorBox error={profile.error} retry={() => profile.refetch()} />;
  const p = profile.data;
  if (!p)
    return (
      <section>
        <h2>Booking settings</h2>
        <p>
          Create your <Link to="/profile">artist profile</Link> first; hours and services hang off it.
        </p>
      </section>
    );
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    const workingHours = Object.fromEntries(WEEKDAYS.map((w) => [w, parseHours(String(d.get(`hours-${w}`) ?? ""))]));
    save.mutate({
      ...p!,
      timeZone: String(d.get("timeZone") ?? ""),
      bufferMinutes: Number(d.get("bufferMinutes")),
      cancelNoticeHours: Number(d.get("cancelNoticeHours")),
      workingHours,
    });
  }
  const fieldFor = (w: Weekday) => Object.entries(fields).find(([k]) => k.startsWith(`workingHours.${w}`))?.[1];
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Booking settings</h2>
      <form id="settings-form" noValidate onSubmit={submit} aria-busy={save.isPending}>
        <Field
          form="settings"
          name="timeZone"
          label="Time zone"
          defaultValue={p.timeZone}
          list="tz-list"
          error={fields.timeZone}
          hint='IANA name, e.g. "Europe/Berlin".'
        />
        <datalist id="tz-list">
          {(Intl as unknown as { supportedValuesOf?: (k: string) => string[] })
            .supportedValuesOf?.("timeZone")
            .map((z) => (
              <option key={z} value={z} />
            ))}
        </datalist>
        <fieldset>
          <legend>Working hours</legend>
          <p className="hint small">
            24-hour times, several ranges separated by commas, e.g. “10:00-14:00, 15:00-19:00”. Leave empty for a day
            off.
          </p>
          {WEEKDAYS.map((w) => (
            <Field
              key={w}
              form="settings"
              name={`hours-${w}`}
              label={DAY_NAMES[w]}
              defaultValue={hoursText(p.workingHours[w] ?? [])}
              error={fieldFor(w)}
            />
          ))}
        </fieldset>
        <Field
          form="settings"
          name="bufferMinutes"
          label="Break after each session (minutes)"
          type="number"
          min={0}
          max={240}
          defaultValue={p.bufferMinutes}
          error={fields.bufferMinutes}
        />
        <Field
          form="settings"
          name="cancelNoticeHours"
          label="Cancellation notice to keep the deposit refundable (hours)"
          type="number"
          min={0}
          max={720}
          defaultValue={p.cancelNoticeHours}
          error={fields.cancelNoticeHours}
        />
        <p className="msg" role="status">
          {msg.info}
        </p>
        <p className="msg msg-error" role="alert">
          {msg.error}
        </p>
        <button type="submit" disabled={save.isPending}>
          Save settings
        </button>
      </form>
      <Services services={p.services} />
    </section>
  );
}

function Services({ services }: { services: Service[] }) {
  const qc = useQueryClient();
  const [fields, setFields] = useState<FieldErrors>({});
  const [error, setError] = useState("");
  const refresh = () => void qc.invalidateQueries({ queryKey: ["own-profile"] });
  const add = useMutation({
    mutationFn: (body: unknown) => api("/api/me/artist-profile/services", { body }),
    onMutate: () => {
      setFields({});
      setError("");
    },
    onSuccess: refresh,
    onError: (err) => {
      setFields(apiFields(err));
      setError(messageOf(err));
    },
  });
  const retire = useMutation({
    mutationFn: (id: string) => api(`/api/me/artist-profile/services/${id}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
  return (
    <>
      <h3>Services &amp; deposits</h3>
      {services.filter((s) => s.active !== false).length === 0 ? (
        <p className="muted">No services yet. Customers' requests are offered times per service.</p>
      ) : (
        <ul className="cards">
          {services
            .filter((s) => s.active !== false)
            .map((s) => (
              <li key={s.id} className="card">
                <strong>{s.name}</strong> · {s.kind} · {s.durationMinutes} min · deposit{" "}
                {s.depositCents ? money(s.depositCents, s.currency) : "none"}
                <button type="button" className="secondary small" onClick={() => retire.mutate(s.id)}>
                  Retire
                </button>
              </li>
            ))}
        </ul>
      )}
      <form
        id="service-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const d = new FormData(e.currentTarget);
          add.mutate({
            kind: d.get("kind"),
            name: String(d.get("name") ?? ""),
            durationMinutes: Number(d.get("durationMinutes")),
            depositCents: Math.round(Number(d.get("deposit") || 0) * 100),
            currency: String(d.get("currency") ?? "eur"),
          });
        }}
      >
        <div className="row">
          <div className="field">
            <label htmlFor="service-kind">Kind</label>
            <select id="service-kind" name="kind" defaultValue="session">
              <option value="session">Session</option>
              <option value="consultation">Consultation</option>
            </select>
          </div>
          <Field form="service" name="name" label="Name" error={fields.name} />
        </div>
        <div className="row">
          <Field
            form="service"
            name="durationMinutes"
            label="Duration (minutes)"
            type="number"
            min={15}
            max={720}
            defaultValue={120}
            error={fields.durationMinutes}
          />
          <Field
            form="service"
            name="deposit"
            label="Deposit"
            type="number"
            min={0}
            step="0.01"
            defaultValue={0}
            error={fields.depositCents}
          />
          <Field
            form="service"
            name="currency"
            label="Currency"
            defaultValue="eur"
            maxLength={3}
            error={fields.currency}
          />
        </div>
        <p className="msg msg-error" role="alert">
          {error}
        </p>
        <button type="submit" className="secondary" disabled={add.isPending}>
          Add service
        </button>
      </form>
    </>
  );
}
