// Small shared building blocks: labelled fields with their error line, the status region,
// and the loading / empty / error states every screen uses.
import { useEffect, useRef, type InputHTMLAttributes, type ReactNode } from "react";
import { ApiError, messageOf } from "./api.ts";
import { useProviders } from "./providers.ts";

export function Field(
  props: {
    form: string;
    name: string;
    label: string;
    error?: string;
    hint?: ReactNode;
  } & InputHTMLAttributes<HTMLInputElement>,
) {
  const { form, name, label, error, hint, ...input } = props;
  const id = `${form}-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-error${hint ? ` ${id}-hint` : ""}`}
        {...input}
      />
      <p id={`${id}-error`} className="field-error" data-error-for={name}>
        {error ?? ""}
      </p>
    </div>
  );
}

/** The polite status line and the assertive alert line (data-testid="status"). */
export function Status({ info, error, children }: { info?: ReactNode; error?: ReactNode; children?: ReactNode }) {
  return (
    <div className="status" data-testid="status">
      <p className="msg" role="status" aria-live="polite">
        {info}
      </p>
      <p className="msg msg-error" role="alert">
        {error}
      </p>
      {children}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  // A 400 names what was wrong per field: show those words, not only the summary.
  const fields = error instanceof ApiError ? Object.entries(error.fields) : [];
  return (
    <div className="error-box" role="alert">
      <p>{messageOf(error)}</p>
      {fields.length ? (
        <ul>
          {fields.map(([k, m]) => (
            <li key={k}>{k === "_" ? m : `${k}: ${m}`}</li>
          ))}
        </ul>
      ) : null}
      {retry ? (
        <button type="button" className="secondary" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** Sets the document title and moves focus to the page heading on navigation. */
/** "Load more" under a paged list (a useInfiniteQuery); nothing once the last page is in. */
export function LoadMore({
  list,
}: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  return list.hasNextPage ? (
    <button type="button" className="secondary" disabled={list.isFetchingNextPage} onClick={() => list.fetchNextPage()}>
      Load more
    </button>
  ) : null;
}

export function PageTitle({ children, title }: { children: ReactNode; title?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const text = title ?? (typeof children === "string" ? children : "Tatu");
  useEffect(() => {
    document.title = text === "Tatu" ? "Tatu" : `${text} · Tatu`;
    ref.current?.focus({ preventScroll: true });
  }, [text]);
  return (
    <h1 id="page-title" tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

/** A channel's letter mark (from its meta.ts via GET /api/providers) with its name for screen readers. */
export function ChannelIcon({ channel }: { channel: string }) {
  const p = useProviders().find((x) => x.id === channel);
  const name = p?.shortName ?? channel;
  return (
    <span className={`channel channel-${channel}`} title={name}>
      <span aria-hidden="true">{p?.mark ?? "•"}</span>
      <span className="sr-only">{name}</span>
    </span>
  );
}

export const fmtDateTime = (iso: string | null | undefined, timeZone?: string) =>
  iso
    ? new Date(iso).toLocaleString(undefined, {
        dateStyle: "medium",
        timeStyle: "short",
        ...(timeZone ? { timeZone } : {}),
      })
    : "never";
export const fmtTime = (iso: string, timeZone?: string) =>
  new Date(iso).toLocaleTimeString(undefined, {
    hour: "2-digit",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  });
export function fmtAgo(iso: string | null | undefined): string {
  if (!iso) return "never";
  const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return fmtDateTime(iso);
}
export const money = (cents: number, currency: string) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
