// One client's record, as their artist sees it: how to reach them, the artist's private notes
// (never shown to the customer), every conversation with them in the unified inbox (linked by
// their email or phone), their requests with reference images, and their sessions with the
// deposit's outcome. Everything the customer wrote is rendered as text, never as markup.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { noteBody, NOTE_MAX } from "../../../service/clients/schemas.ts";
import { api, messageOf } from "../api.ts";
import { apiFields, check, useApiForm, type FieldErrors } from "../forms.ts";
import { RequireUser } from "../guard.tsx";
import type { ClientNote, ClientRecord } from "../types.ts";
import { ChannelIcon, Empty, ErrorBox, fmtAgo, fmtDateTime, Loading, money, PageTitle, Status } from "../ui.tsx";

export default function ClientPage() {
  return (
    <RequireUser role="artist" title="Client record">
      {() => <Client />}
    </RequireUser>
  );
}

/** Words for every status; one the page does not know yet still reads as words. */
const REQUEST_WORDS: Record<string, string> = {
  pending: "Waiting for your answer",
  offered: "Times offered",
  declined: "Declined",
  booked: "Booked",
  cancelled: "Cancelled",
};
const SESSION_WORDS: Record<string, string> = {
  pending_deposit: "Waiting for the deposit",
  confirmed: "Confirmed",
  completed: "Completed",
  no_show: "No-show",
  cancelled: "Cancelled",
};
const DEPOSIT_WORDS: Record<string, string> = {
  none: "no deposit",
  pending: "deposit not paid yet",
  paid: "deposit paid",
  refunded: "deposit refunded",
  kept: "deposit kept",
};
const words = (map: Record<string, string>, status: string) => map[status] ?? status.replace(/_/g, " ");
const MATCHED_BY: Record<string, string> = {
  email: "their email",
  phone: "their phone number",
  contact: "the same contact",
};

function Client() {
  const { id = "" } = useParams();
  const record = useQuery({
    queryKey: ["client", id],
    queryFn: () => api<ClientRecord>(`/api/clients/${encodeURIComponent(id)}`),
  });
  if (record.isLoading) return <Loading label="Loading the client record…" />;
  if (record.isError)
    return (
      <>
        <PageTitle>Client record</PageTitle>
        <ErrorBox error={record.error} retry={() => record.refetch()} />
        <p>
          <Link to="/clients">All clients</Link>
        </p>
      </>
    );
  const r = record.data!;
  const c = r.client;
  return (
    <div className="client-record" data-testid="client-record">
      <p className="small">
        <Link to="/clients">← All clients</Link>
      </p>
      <PageTitle title={c.name}>{c.name}</PageTitle>
      <section aria-labelledby="contact-title" data-testid="client-contact">
        <h2 id="contact-title">Contact</h2>
        {c.deleted ? (
          <p>This person deleted their account. Their requests and sessions stay in your books.</p>
        ) : (
          <ul className="links">
            {c.email ? (
              <li>
                Email: <a href={`mailto:${c.email}`}>{c.email}</a>
              </li>
            ) : null}
            {c.phone ? (
              <li>
                Phone: <a href={`tel:${c.phone}`}>{c.phone}</a>
              </li>
            ) : (
              <li className="muted">No phone number given.</li>
            )}
          </ul>
        )}
      </section>
      <Notes clientId={c.id} notes={r.notes} deleted={c.deleted} />
      <Conversations r={r} />
      <Requests r={r} />
      <Sessions r={r} />
    </div>
  );
}

function Notes({ clientId, notes, deleted }: { clientId: string; notes: ClientNote[]; deleted: boolean }) {
  const qc = useQueryClient();
  const { form, fields, status, setStatus, busy, submit } = useApiForm();
  const [text, setText] = useState("");
  function add(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    void submit(noteBody, { body: text }, async (data) => {
      await api(`/api/clients/${clientId}/notes`, { body: data });
      setText("");
      setStatus({ info: "Note saved." });
      await qc.invalidateQueries({ queryKey: ["client", clientId] });
    });
  }
  return (
    <section aria-labelledby="notes-title" data-testid="client-notes">
      <h2 id="notes-title">Private notes</h2>
      <p className="hint">Only you see these notes — never the client, never another artist.</p>
      {deleted ? null : (
        <form ref={form} onSubmit={add} noValidate>
          <div className="field">
            <label htmlFor="note-new">New note</label>
            <textarea
              id="note-new"
              name="body"
              rows={3}
              maxLength={NOTE_MAX}
              value={text}
              onChange={(e) => setText(e.target.value)}
              aria-describedby="note-new-error"
              aria-invalid={fields.body ? true : undefined}
            />
            <p id="note-new-error" className="field-error" data-error-for="body">
              {fields.body ?? fields._ ?? ""}
            </p>
          </div>
          <button type="submit" disabled={busy}>
            {busy ? "Saving…" : "Add note"}
          </button>
          <Status info={status.info} error={status.error} />
        </form>
      )}
      {notes.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        <ul className="stack">
          {notes.map((n) => (
            <NoteItem key={n.id} clientId={clientId} note={n} />
          ))}
        </ul>
      )}
    </section>
  );
}

function NoteItem({ clientId, note }: { clientId: string; note: ClientNote }) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(note.body);
  const [fields, setFields] = useState<FieldErrors>({});
  const refresh = () => qc.invalidateQueries({ queryKey: ["client", clientId] });
  const save = useMutation({
    mutationFn: (body: string) => api(`/api/clients/${clientId}/notes/${note.id}`, { method: "PATCH", body: { body } }),
    onSuccess: async () => {
      setEditing(false);
      await refresh();
    },
    onError: (err) => setFields(apiFields(err)),
  });
  const remove = useMutation({
    mutationFn: () => api(`/api/clients/${clientId}/notes/${note.id}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
  const fieldId = `note-${note.id}`;
  return (
    <li className="card" data-testid="client-note">
      {editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const v = check(noteBody, { body: text });
            if (!v.ok) return setFields(v.fields);
            setFields({});
            save.mutate(v.data.body);
          }}
          noValidate
        >
          <div className="field">
            <label htmlFor={fieldId}>Edit note</label>
            <textarea
              id={fieldId}
              rows={3}
              maxLength={NOTE_MAX}
              value={text}
              onChange={(e) => setText(e.target.value)}
              aria-describedby={`${fieldId}-error`}
              aria-invalid={fields.body ? true : undefined}
            />
            <p id={`${fieldId}-error`} className="field-error">
              {fields.body ?? ""}
            </p>
          </div>
          <div className="actions">
            <button type="submit" className="small" disabled={save.isPending}>
              Save
            </button>
            <button
              type="button"
              className="small secondary"
              onClick={() => {
                setEditing(false);
                setText(note.body);
                setFields({});
              }}
            >
              Cancel
            </button>
          </div>
          <p className="msg msg-error" role="alert">
            {save.isError && !Object.keys(fields).length ? messageOf(save.error) : ""}
          </p>
        </form>
      ) : (
        <>
          <p className="note-body">{note.body}</p>
          <p className="small muted">
            <time dateTime={note.createdAt}>{fmtDateTime(note.createdAt)}</time>
            {note.updatedAt !== note.createdAt ? ` · edited ${fmtAgo(note.updatedAt)}` : ""}
          </p>
          <div className="actions">
            <button type="button" className="small secondary" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button
              type="button"
              className="small secondary"
              disabled={remove.isPending}
              onClick={() => remove.mutate()}
            >
              Delete
            </button>
          </div>
          <p className="msg msg-error" role="alert">
            {remove.isError ? messageOf(remove.error) : ""}
          </p>
        </>
      )}
    </li>
  );
}

function Conversations({ r }: { r: ClientRecord }) {
  return (
    <section aria-labelledby="client-conv-title" data-testid="client-conversations">
      <h2 id="client-conv-title">Conversations</h2>
      {r.conversations.length === 0 ? (
        <Empty>
          <p>No conversations with this person in your inbox (matched by their email and phone number).</p>
        </Empty>
      ) : (
        <ul className="stack">
          {r.conversations.map((c) => (
            <li key={c.id} className="card" data-testid="client-conversation">
              <p>
                <ChannelIcon channel={c.channel} />{" "}
                <Link to={c.link}>
                  <strong>{c.subject || c.contact.name || c.contact.handle || "Conversation"}</strong>
                </Link>{" "}
                {c.unreadCount ? (
                  <span className="badge" aria-label={`${c.unreadCount} unread`}>
                    {c.unreadCount}
                  </span>
                ) : null}
              </p>
              {c.snippet ? <p className="small">{c.snippet}</p> : null}
              <p className="small muted">
                {c.contact.handle ?? ""} · linked by {MATCHED_BY[c.matchedBy] ?? c.matchedBy} · last message{" "}
                <time dateTime={c.lastMessageAt}>{fmtAgo(c.lastMessageAt)}</time>
                {c.archived ? " · archived" : ""}
              </p>
            </li>
          ))}
        </ul>
      )}
      {r.moreConversations ? <p className="small muted">Showing the 50 most recent conversations.</p> : null}
    </section>
  );
}

function Requests({ r }: { r: ClientRecord }) {
  return (
    <section aria-labelledby="client-req-title" data-testid="client-requests">
      <h2 id="client-req-title">Requests</h2>
      {r.requests.length === 0 ? (
        <p className="muted">No requests.</p>
      ) : (
        <ul className="stack">
          {r.requests.map((q) => (
            <li key={q.id} className="card" data-testid="client-request">
              <p>
                <strong>{q.idea}</strong>{" "}
                <span className={`pill pill-${q.status}`}>{words(REQUEST_WORDS, q.status)}</span>
              </p>
              <p className="small muted">
                Placement: {q.placement} · Size: {q.size}
                {q.budget ? ` · Budget: ${q.budget}` : ""} · sent {fmtDateTime(q.createdAt)}
                {q.updatedAt !== q.createdAt ? ` · updated ${fmtDateTime(q.updatedAt)}` : ""}
              </p>
              {q.declineReason ? <p className="small">Declined: {q.declineReason}</p> : null}
              {q.references.length ? (
                <ul className="attachments" aria-label="Reference images">
                  {q.references.map((f) => (
                    <li key={f.id}>
                      <a href={f.url} target="_blank" rel="noreferrer">
                        {f.contentType.startsWith("image/") ? (
                          <img src={f.url} alt={f.filename} loading="lazy" />
                        ) : (
                          f.filename
                        )}
                      </a>
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Sessions({ r }: { r: ClientRecord }) {
  return (
    <section aria-labelledby="client-sessions-title" data-testid="client-sessions">
      <h2 id="client-sessions-title">Sessions</h2>
      {r.sessions.length === 0 ? (
        <p className="muted">No sessions yet.</p>
      ) : (
        <ul className="stack">
          {r.sessions.map((s) => (
            <li key={s.id} className="card" data-testid="client-session" data-status={s.status}>
              <p>
                <strong>{fmtDateTime(s.start, s.timeZone)}</strong>{" "}
                <span className={`pill pill-${s.status}`}>{words(SESSION_WORDS, s.status)}</span>
              </p>
              <p className="small muted">
                {s.title ? `${s.title} · ` : ""}
                {s.deposit
                  ? `${money(s.deposit.cents, s.deposit.currency)} ${words(DEPOSIT_WORDS, s.deposit.outcome ?? s.deposit.status)}`
                  : "No deposit"}
                {s.status === "cancelled" && s.cancelledBy ? ` · cancelled by ${s.cancelledBy}` : ""}
                {s.cancelReason ? ` · “${s.cancelReason}”` : ""}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
