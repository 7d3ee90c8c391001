// The artist's clients: everyone who sent them a request or has a session with them, newest
// activity first, searchable by name or email; each opens the client's record (Client.tsx).
// Names and emails are other people's text: rendered as text, never as markup.
import { useEffect, useState } from "react";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api } from "../api.ts";
import { RequireUser } from "../guard.tsx";
import type { ClientSummary, Page } from "../types.ts";
import { Empty, ErrorBox, fmtAgo, fmtDateTime, Loading, LoadMore, PageTitle } from "../ui.tsx";

export default function ClientsPage() {
  return (
    <RequireUser role="artist" title="Clients">
      {() => <Clients />}
    </RequireUser>
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function Clients() {
  const [q, setQ] = useState("");
  const query = useDebounced(q.trim().slice(0, 100), 250);
  const list = useInfiniteQuery({
    queryKey: ["clients", query],
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams({
        ...(query ? { q: query } : {}),
        ...(pageParam ? { cursor: pageParam } : {}),
      });
      return api<Page<ClientSummary>>(`/api/clients?${params}`);
    },
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageTitle>Clients</PageTitle>
      <form role="search" className="filters" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="clients-search">Search clients</label>
          <input
            id="clients-search"
            type="search"
            value={q}
            maxLength={100}
            onChange={(e) => setQ(e.target.value)}
            placeholder="Name or email"
          />
        </div>
      </form>
      {list.isLoading ? (
        <Loading label="Loading clients…" />
      ) : list.isError ? (
        <ErrorBox error={list.error} retry={() => list.refetch()} />
      ) : items.length === 0 ? (
        <Empty>
          {query ? (
            <p>No client matches “{query}”.</p>
          ) : (
            <p>
              No clients yet. Everyone who sends you a booking request shows up here — customers find you through your{" "}
              <Link to="/profile">public profile</Link>.
            </p>
          )}
        </Empty>
      ) : (
        <ul className="stack" data-testid="client-list">
          {items.map((c) => (
            <li key={c.id} className="card" data-testid="client">
              <p>
                <Link to={`/clients/${c.id}`}>
                  <strong>{c.name}</strong>
                </Link>
                {c.email ? <span className="muted"> · {c.email}</span> : null}
                {c.phone ? <span className="muted"> · {c.phone}</span> : null}
              </p>
              <p className="small muted">
                {plural(c.requests, "request")} · {plural(c.sessions.total, "session")} ({c.sessions.completed}{" "}
                completed) · last activity <time dateTime={c.lastActivityAt}>{fmtAgo(c.lastActivityAt)}</time>
                {c.nextSessionAt ? (
                  <>
                    {" "}
                    · next session <time dateTime={c.nextSessionAt}>{fmtDateTime(c.nextSessionAt)}</time>
                  </>
                ) : null}
              </p>
            </li>
          ))}
        </ul>
      )}
      <LoadMore list={list} />
    </>
  );
}
