// "Messages" on a customer's request card: their thread with the artist (the same one the artist
// answers from the inbox, and that replies to the notification emails land in), and a box to
// write into it. Loaded when opened; live updates arrive as booking.* events (realtime.ts
// invalidates ["requests"], which this query's key starts with).
import { useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, messageOf } from "../api.ts";
import { apiFields, check, type FieldErrors } from "../forms.ts";
import { threadMessageBody } from "../../../service/threads/schemas.ts";
import { ErrorBox, fmtDateTime, Loading } from "../ui.tsx";

interface ThreadMessage {
  id: string;
  from: "customer" | "artist";
  author: string;
  mine: boolean;
  text: string;
  sentAt: string;
}

export function RequestMessages({ requestId }: { requestId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="request-messages" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>Messages</summary>
      {open ? <Thread requestId={requestId} /> : null}
    </details>
  );
}

function Thread({ requestId }: { requestId: string }) {
  const qc = useQueryClient();
  const key = ["requests", requestId, "messages"];
  const [text, setText] = useState("");
  const [fields, setFields] = useState<FieldErrors>({});
  const box = useRef<HTMLTextAreaElement>(null);
  const thread = useQuery({
    queryKey: key,
    queryFn: () => api<{ items: ThreadMessage[] }>(`/api/bookings/requests/${requestId}/messages`),
  });
  const send = useMutation({
    mutationFn: (body: { text: string }) => api(`/api/bookings/requests/${requestId}/messages`, { body }),
    onSuccess: () => {
      setText("");
      void qc.invalidateQueries({ queryKey: key });
    },
    onError: (err) => setFields(apiFields(err)),
  });
  const id = `thread-text-${requestId}`;
  return (
    <div data-testid="request-messages">
      {thread.isLoading ? (
        <Loading label="Loading messages…" />
      ) : thread.isError ? (
        <ErrorBox error={thread.error} retry={() => thread.refetch()} />
      ) : thread.data!.items.length === 0 ? (
        <p className="muted small">No messages yet. Write to the artist below.</p>
      ) : (
        <ol className="thread-messages" aria-label="Messages with the artist">
          {thread.data!.items.map((m) => (
            <li key={m.id} className={m.mine ? "mine" : "theirs"} data-testid="thread-message">
              <p className="small muted">
                {m.mine ? "You" : m.author} · {fmtDateTime(m.sentAt)}
              </p>
              <p className="thread-text">{m.text}</p>
            </li>
          ))}
        </ol>
      )}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const r = check(threadMessageBody, { text });
          setFields(r.ok ? {} : r.fields);
          if (!r.ok) return box.current?.focus();
          send.mutate(r.data);
        }}
      >
        <div className="field">
          <label htmlFor={id}>Write to the artist</label>
          <textarea
            id={id}
            ref={box}
            rows={3}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-invalid={fields.text ? true : undefined}
            aria-describedby={fields.text ? `${id}-error` : undefined}
          />
          {fields.text ? (
            <p id={`${id}-error`} className="field-error">
              {fields.text}
            </p>
          ) : null}
        </div>
        <p className="msg msg-error" role="alert">
          {send.isError && !apiFields(send.error).text ? messageOf(send.error) : ""}
        </p>
        <button type="submit" disabled={send.isPending}>
          {send.isPending ? "Sending…" : "Send"}
        </button>
      </form>
    </div>
  );
}
