// What waits for the signed-in person on the start page. An artist: the setup checklist until
// the studio is ready, the coming days' appointments in the studio's zone, requests waiting,
// unread conversations per channel and deposits still open. A customer: upcoming bookings and
// open requests. Text from other people is rendered as text, never as markup.
import { Link } from "react-router-dom";
import { useChannelName } from "../providers.ts";
import { Empty, fmtDateTime, fmtTime } from "../ui.tsx";

interface Person {
  id: string;
  name: string;
}
export type HomeData =
  | {
      role: "artist";
      timeZone: string;
      appointments: { id: string; start: string; end: string; status: string; customer: Person }[];
      requests: {
        waiting: number;
        oldest: { id: string; customer: Person; idea: string; placement: string; createdAt: string }[];
      };
      unread: { channel: string; conversations: number }[];
      depositsPending: number;
      setup: { id: string; label: string; done: boolean; link: string }[];
      setupComplete: boolean;
    }
  | {
      role: "customer";
      upcoming: { id: string; start: string; end: string; timeZone: string; status: string; artist: Person }[];
      requests: { id: string; status: string; idea: string; createdAt: string; artist: Person }[];
    };
type ArtistData = Extract<HomeData, { role: "artist" }>;
type CustomerData = Extract<HomeData, { role: "customer" }>;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "Mon 7 Dec" in the studio's zone: appointments are grouped by the studio's days. */
const dayOf = (iso: string, timeZone: string) =>
  new Date(iso).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short", timeZone });

export function ArtistToday({ data }: { data: ArtistData }) {
  const channelName = useChannelName();
  const days = new Map<string, ArtistData["appointments"]>();
  for (const a of data.appointments) {
    const day = dayOf(a.start, data.timeZone);
    days.set(day, [...(days.get(day) ?? []), a]);
  }
  const done = data.setup.filter((s) => s.done).length;
  return (
    <div className="home" data-testid="artist-home">
      {data.setupComplete ? null : (
        <section aria-labelledby="setup-title" data-testid="setup">
          <h2 id="setup-title">
            Get your studio ready ({done} of {data.setup.length} done)
          </h2>
          <ol className="checklist">
            {data.setup.map((s) => (
              <li key={s.id} data-step={s.id} data-done={s.done}>
                <span aria-hidden="true">{s.done ? "✓" : "○"}</span>{" "}
                {s.done ? (
                  <>
                    <span className="sr-only">Done: </span>
                    {s.label}
                  </>
                ) : (
                  <>
                    <span className="sr-only">To do: </span>
                    <Link to={s.link}>{s.label}</Link>
                  </>
                )}
              </li>
            ))}
          </ol>
        </section>
      )}
      <section aria-labelledby="waiting-title" data-testid="waiting">
        <h2 id="waiting-title">Waiting for you</h2>
        <ul className="links">
          <li data-testid="requests-waiting">
            <Link to="/calendar">{plural(data.requests.waiting, "booking request")} to answer</Link>
          </li>
          <li data-testid="deposits-pending">{plural(data.depositsPending, "deposit")} not paid yet</li>
          {data.unread.length === 0 ? (
            <li data-testid="unread">No unread conversations</li>
          ) : (
            data.unread.map((u) => (
              <li key={u.channel} data-testid="unread" data-channel={u.channel}>
                <Link to="/inbox">
                  {channelName(u.channel)}: {plural(u.conversations, "unread conversation")}
                </Link>
              </li>
            ))
          )}
        </ul>
        {data.requests.oldest.length ? (
          <ul className="cards" aria-label="Oldest requests">
            {data.requests.oldest.map((r) => (
              <li key={r.id} className="card" data-testid="home-request">
                <strong>{r.customer.name}</strong>: {r.idea}
                <p className="muted small">
                  {r.placement} · sent {fmtDateTime(r.createdAt)}
                </p>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      <section aria-labelledby="coming-title" data-testid="coming">
        <h2 id="coming-title">Today and the next 7 days</h2>
        <p className="muted small">Times in your studio's zone ({data.timeZone}).</p>
        {days.size === 0 ? (
          <Empty>
            <p>No appointments in the next 7 days.</p>
          </Empty>
        ) : (
          [...days].map(([day, list]) => (
            <div key={day}>
              <h3>{day}</h3>
              <ul className="cards">
                {list.map((a) => (
                  <li key={a.id} className="card" data-testid="home-appointment" data-status={a.status}>
                    <strong>
                      {fmtTime(a.start, data.timeZone)}–{fmtTime(a.end, data.timeZone)}
                    </strong>{" "}
                    {a.customer.name}
                    {a.status === "pending_deposit" ? <span className="pill">deposit pending</span> : null}
                  </li>
                ))}
              </ul>
            </div>
          ))
        )}
      </section>
    </div>
  );
}

const REQUEST_WORDS: Record<string, string> = {
  pending: "Waiting for the artist",
  offered: "Times offered — pick one",
};

export function CustomerToday({ data }: { data: CustomerData }) {
  return (
    <div className="home" data-testid="customer-home">
      <section aria-labelledby="upcoming-title">
        <h2 id="upcoming-title">Your upcoming bookings</h2>
        {data.upcoming.length === 0 ? (
          <Empty>
            <p>No upcoming bookings.</p>
          </Empty>
        ) : (
          <ul className="cards">
            {data.upcoming.map((a) => (
              <li key={a.id} className="card" data-testid="home-booking" data-status={a.status}>
                <strong>{fmtDateTime(a.start, a.timeZone)}</strong> with{" "}
                <Link to={`/artists/${a.artist.id}`}>{a.artist.name}</Link>
                {a.status === "pending_deposit" ? <span className="pill">deposit to pay</span> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="open-title">
        <h2 id="open-title">Open requests</h2>
        {data.requests.length === 0 ? (
          <Empty>
            <p>No open requests.</p>
          </Empty>
        ) : (
          <ul className="cards">
            {data.requests.map((r) => (
              <li key={r.id} className="card" data-testid="home-open-request" data-status={r.status}>
                <strong>{r.artist.name}</strong>: {r.idea}{" "}
                <Link to="/bookings">{REQUEST_WORDS[r.status] ?? r.status}</Link>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
