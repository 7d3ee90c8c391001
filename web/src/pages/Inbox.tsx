// The unified inbox: every channel in one list (search, channel and unread filters), a thread
// with attachments and a reply box, Meta's 24-hour window, live updates, account health.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, messageOf } from "../api.ts";
import { RequireUser } from "../guard.tsx";
import type { Account, Conversation, ConversationItem, Message, Page, ProviderInfo } from "../types.ts";
import { ChannelIcon, Empty, ErrorBox, fmtAgo, fmtDateTime, Loading, LoadMore, PageTitle } from "../ui.tsx";
import { useChannelName, useChannels } from "../providers.ts";

export default function InboxPage() {
  return (
    <RequireUser role="artist" title="Inbox">
      {() => <Inbox />}
    </RequireUser>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function Inbox() {
  const { id } = useParams();
  const channels = useChannels();
  const [q, setQ] = useState("");
  const [channel, setChannel] = useState("");
  const [unread, setUnread] = useState(false);
  const query = useDebounced(q.trim(), 250);
  const params = new URLSearchParams({
    ...(channel ? { channel } : {}),
    ...(unread ? { unread: "true" } : {}),
    ...(query ? { q: query } : {}),
  });
  const list = useInfiniteQuery({
    queryKey: ["conversations", channel, unread, query],
    queryFn: ({ pageParam }) =>
      api<Page<ConversationItem>>(
        `/api/inbox/conversations?${params}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const totalUnread = items.reduce((n, c) => n + c.unreadCount, 0);

  return (
    <>
      <PageTitle title="Inbox">
        Inbox
        {totalUnread ? (
          <span className="badge" aria-label={`${totalUnread} unread`}>
            {totalUnread}
          </span>
        ) : null}
      </PageTitle>
      <AccountHealth />
      <div className={`inbox ${id ? "has-thread" : ""}`}>
        <section className="conv-list" aria-label="Conversations">
          <form role="search" className="filters" onSubmit={(e) => e.preventDefault()}>
            <div className="field">
              <label htmlFor="inbox-search">Search conversations</label>
              <input
                id="inbox-search"
                type="search"
                value={q}
                onChange={(e) => setQ(e.target.value)}
                placeholder="Name, subject or words"
              />
            </div>
            <div className="row">
              <div className="field">
                <label htmlFor="inbox-channel">Channel</label>
                <select id="inbox-channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
                  <option value="">All channels</option>
                  {channels.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.shortName}
                    </option>
                  ))}
                </select>
              </div>
              <label className="choice">
                <input type="checkbox" checked={unread} onChange={(e) => setUnread(e.target.checked)} /> Unread only
              </label>
            </div>
          </form>
          {list.isLoading ? (
            <Loading label="Loading conversations…" />
          ) : list.isError ? (
            <ErrorBox error={list.error} retry={() => list.refetch()} />
          ) : items.length === 0 ? (
            <Empty>
              {query || channel || unread ? (
                <p>No conversations match these filters.</p>
              ) : (
                <p>
                  No messages yet. <Link to="/integrations">Connect a channel</Link> and new messages will show up here
                  as they arrive.
                </p>
              )}
            </Empty>
          ) : (
            <ul className="conversations" data-testid="conversation-list">
              {items.map((c) => (
                <li key={c.id}>
                  <Link
                    to={`/inbox/${c.id}`}
                    aria-current={c.id === id ? "page" : undefined}
                    className={c.unreadCount ? "unread" : ""}
                    data-testid="conversation"
                  >
                    <ChannelIcon channel={c.channel} />
                    <span className="conv-main">
                      <span className="conv-who">{c.contact.name ?? c.contact.handle ?? "Unknown"}</span>
                      <span className="conv-subject">{c.subject ?? ""}</span>
                      <span className="conv-snippet">{c.snippet ?? ""}</span>
                    </span>
                    <span className="conv-meta">
                      <time dateTime={c.lastMessageAt}>{fmtAgo(c.lastMessageAt)}</time>
                      {c.unreadCount ? (
                        <span className="badge" aria-label={`${c.unreadCount} unread`}>
                          {c.unreadCount}
                        </span>
                      ) : null}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <LoadMore list={list} />
        </section>
        <section className="thread" aria-label="Conversation">
          {id ? (
            <Thread id={id} key={id} />
          ) : (
            <Empty>
              <p>Pick a conversation to read it and reply.</p>
            </Empty>
          )}
        </section>
      </div>
    </>
  );
}

function AccountHealth() {
  const q = useQuery({
    queryKey: ["integrations"],
    queryFn: () => api<{ items: Account[]; providers: ProviderInfo[] }>("/api/integrations"),
  });
  const accounts = (q.data?.items ?? []).filter((a) => a.status !== "disabled");
  if (!accounts.length) return null;
  const broken = accounts.filter((a) => a.needsReconnect);
  const failing = accounts.filter((a) => !a.needsReconnect && a.lastError);
  return (
    <div className="health" data-testid="account-health">
      {broken.map((a) => (
        <p key={a.id} className="banner banner-error" role="alert">
          {a.label} ({a.address}) needs reconnecting: {a.lastError ?? "access was revoked."}{" "}
          <Link to="/integrations">Reconnect</Link>
        </p>
      ))}
      {failing.map((a) => (
        <p key={a.id} className="banner banner-warn">
          {a.label} ({a.address}): {a.lastError}
        </p>
      ))}
      <p className="muted small">
        {accounts.map((a) => `${a.label} ${a.address}: last sync ${fmtAgo(a.lastSuccessAt)}`).join(" · ")}
      </p>
    </div>
  );
}

function Thread({ id }: { id: string }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const conv = useQuery({
    queryKey: ["conversation", id],
    queryFn: () => api<Conversation>(`/api/inbox/conversations/${id}`),
  });
  const messages = useInfiniteQuery({
    queryKey: ["messages", id],
    queryFn: ({ pageParam }) =>
      api<Page<Message>>(
        `/api/inbox/conversations/${id}/messages${pageParam ? `?cursor=${encodeURIComponent(pageParam)}` : ""}`,
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const unread = conv.data?.unreadCount ?? 0;
  useEffect(() => {
    if (unread > 0)
      void api(`/api/inbox/conversations/${id}/read`, { method: "POST" })
        .then(() => qc.invalidateQueries({ queryKey: ["conversations"] }))
        .catch(() => undefined);
  }, [id, unread, qc]);
  const archive = useMutation({
    mutationFn: (archived: boolean) => api(`/api/inbox/conversations/${id}/archive`, { body: { archived } }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["conversations"] });
      navigate("/inbox");
    },
  });

  if (conv.isLoading) return <Loading label="Loading conversation…" />;
  if (conv.isError) return <ErrorBox error={conv.error} retry={() => conv.refetch()} />;
  const c = conv.data!;
  const list = [...(messages.data?.pages.flatMap((p) => p.items) ?? [])].reverse();
  const who = c.contact?.name ?? c.contact?.identities[0]?.handle ?? "Unknown";
  return (
    <article aria-labelledby="thread-title">
      <p className="back">
        <Link to="/inbox">← All conversations</Link>
      </p>
      <header className="thread-head">
        <h2 id="thread-title">
          <ChannelIcon channel={c.channel} /> {who}
        </h2>
        <p className="muted">
          {c.subject ? <>{c.subject} · </> : null}via {c.account.label} ({c.account.aliasLabel ?? c.account.address})
        </p>
        <button
          type="button"
          className="secondary small"
          onClick={() => archive.mutate(!c.archived)}
          disabled={archive.isPending}
        >
          {c.archived ? "Move to inbox" : "Archive"}
        </button>
      </header>
      {messages.hasNextPage ? (
        <button
          type="button"
          className="secondary"
          onClick={() => messages.fetchNextPage()}
          disabled={messages.isFetchingNextPage}
        >
          Load older messages
        </button>
      ) : null}
      {messages.isLoading ? (
        <Loading label="Loading messages…" />
      ) : messages.isError ? (
        <ErrorBox error={messages.error} retry={() => messages.refetch()} />
      ) : (
        <ol className="messages" data-testid="messages">
          {list.map((m) => (
            <MessageItem key={m.id} m={m} />
          ))}
        </ol>
      )}
      <ReplyWindow c={c} />
      <ReplyBox c={c} />
    </article>
  );
}

function MessageItem({ m }: { m: Message }) {
  return (
    <li className={`message ${m.direction}`} data-testid="message">
      <p className="message-meta">
        <strong>{m.direction === "outbound" ? "You" : (m.from.name ?? m.from.handle ?? "Them")}</strong> ·{" "}
        <time dateTime={m.sentAt}>{fmtDateTime(m.sentAt)}</time>
        {m.direction === "outbound" ? <span className={`pill pill-${m.status}`}> {m.status}</span> : null}
      </p>
      {m.status === "failed" && m.statusError ? (
        <p className="msg-error" role="alert">
          Not sent: {m.statusError}
        </p>
      ) : null}
      {m.text ? <div className="message-body">{m.text}</div> : m.htmlUrl ? <HtmlBody m={m} /> : null}
      {m.attachments.length ? (
        <ul className="attachments" aria-label="Attachments">
          {m.attachments.map((a) => (
            <li key={a.id}>
              {a.contentType.startsWith("image/") ? (
                <a href={a.url} target="_blank" rel="noreferrer">
                  <img src={a.url} alt={a.filename} loading="lazy" />
                </a>
              ) : (
                <a href={a.url} target="_blank" rel="noreferrer" download={a.filename}>
                  📎 {a.filename} ({Math.ceil(a.size / 1024)} KB)
                </a>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/**
 * An email's HTML in a sandboxed iframe (no script, opaque origin), loaded from the API with its
 * own CSP. Remote images stay out (a tracking pixel reports when and where mail is read) until
 * the artist asks, for this message only.
 */
function HtmlBody({ m }: { m: Message }) {
  const [remote, setRemote] = useState(false);
  const blocked = !remote && (m.remoteImages ?? 0) > 0;
  return (
    <>
      {blocked ? (
        <p className="banner banner-info small" data-testid="remote-images">
          {m.remoteImages === 1 ? "1 remote image was" : `${m.remoteImages} remote images were`} not loaded, so the
          sender cannot tell when you read this.{" "}
          <button type="button" className="secondary small" onClick={() => setRemote(true)}>
            Load remote images
          </button>
        </p>
      ) : null}
      <iframe
        className="message-html"
        title="Message"
        sandbox=""
        referrerPolicy="no-referrer"
        src={`${m.htmlUrl}${remote ? "?images=remote" : ""}`}
      />
    </>
  );
}

function ReplyWindow({ c }: { c: Conversation }) {
  const channelName = useChannelName();
  const w = c.replyWindow;
  if (!w) return null;
  return w.open ? (
    <p className="banner banner-info" data-testid="reply-window">
      {channelName(c.channel)} lets you reply within {w.hours} hours of the customer's last message. You can reply until{" "}
      {fmtDateTime(w.closesAt)}.
    </p>
  ) : (
    <p className="banner banner-warn" data-testid="reply-window" role="status">
      The {w.hours}-hour reply window closed{w.closesAt ? ` on ${fmtDateTime(w.closesAt)}` : ""}.{" "}
      {channelName(c.channel)} only lets businesses answer within {w.hours} hours of the customer's last message — you
      can reply as soon as they write again.
    </p>
  );
}

function ReplyBox({ c }: { c: Conversation }) {
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState("");
  const [info, setInfo] = useState("");
  const fileInput = useRef<HTMLInputElement>(null);
  const closed = c.replyWindow ? !c.replyWindow.open : false;
  const reconnect = c.account.status !== "active";
  const send = useMutation({
    mutationFn: async () => {
      if (files.length) {
        const form = new FormData();
        form.set("text", text);
        for (const f of files) form.append("files", f, f.name);
        return api<{ messageId: string; status: string }>(`/api/inbox/conversations/${c.id}/reply`, { form });
      }
      return api<{ messageId: string; status: string }>(`/api/inbox/conversations/${c.id}/reply`, { body: { text } });
    },
    onSuccess: (r) => {
      setText("");
      setFiles([]);
      if (fileInput.current) fileInput.current.value = "";
      setInfo(r.status === "sent" ? "Sent." : "Queued — its status shows on the message above.");
      void qc.invalidateQueries({ queryKey: ["messages", c.id] });
      void qc.invalidateQueries({ queryKey: ["conversations"] });
    },
    onError: (err) => setError(messageOf(err)),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    setError("");
    setInfo("");
    if (!text.trim()) return setError("Write a message before sending.");
    send.mutate();
  }
  return (
    <form className="reply" id="reply-form" onSubmit={submit} aria-busy={send.isPending}>
      <div className="field">
        <label htmlFor="reply-text">Reply via {c.account.label}</label>
        <textarea
          id="reply-text"
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          disabled={closed || reconnect}
          aria-invalid={error ? true : undefined}
          aria-describedby="reply-error"
        />
      </div>
      <div className="field">
        <label htmlFor="reply-files">Attach files</label>
        <input
          id="reply-files"
          ref={fileInput}
          type="file"
          multiple
          disabled={closed || reconnect}
          onChange={(e) => setFiles([...(e.target.files ?? [])])}
        />
        {files.length ? <p className="muted small">{files.map((f) => f.name).join(", ")}</p> : null}
      </div>
      {reconnect ? (
        <p className="msg-error">
          This account needs reconnecting before you can reply. <Link to="/integrations">Go to Integrations</Link>
        </p>
      ) : null}
      <p id="reply-error" className="msg msg-error" role="alert">
        {error}
      </p>
      <p className="msg" role="status">
        {info}
      </p>
      <button type="submit" disabled={send.isPending || closed || reconnect}>
        {send.isPending ? "Sending…" : "Send"}
      </button>
    </form>
  );
}
