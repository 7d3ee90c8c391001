// Connect and look after every channel and calendar: OAuth links, credentials forms drawn from
// what the server says of each provider (fields, how-to), status in plain words, last
// successful sync, sync now, disconnect.
import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "react-router-dom";
import { api, messageOf } from "../api.ts";
import { apiFields, type FieldErrors } from "../forms.ts";
import { RequireUser } from "../guard.tsx";
import type { Account, Calendar, CalendarProviderInfo, ProviderInfo, ProviderUi, TwilioInfo } from "../types.ts";
import { ErrorBox, Field, fmtAgo, Loading, PageTitle } from "../ui.tsx";
import { useChannelName } from "../providers.ts";

export default function IntegrationsPage() {
  return (
    <RequireUser role="artist" title="Integrations">
      {() => <Integrations />}
    </RequireUser>
  );
}

const STATUS_WORDS: Record<string, string> = {
  active: "Connected",
  reauth_required: "Needs reconnecting",
  disabled: "Disconnected",
  error: "Having trouble",
};

function Integrations() {
  const [params] = useSearchParams();
  const q = useQuery({
    queryKey: ["integrations"],
    queryFn: () => api<{ items: Account[]; providers: ProviderInfo[]; twilio?: TwilioInfo }>("/api/integrations"),
    refetchInterval: (query) =>
      query.state.data?.items.some((a) => a.status === "active" && !a.lastSyncAt) ? 2000 : false,
  });
  const connectedMsg = params.get("connected")
    ? "Connected. The first sync is running — new messages will appear in your inbox."
    : "";
  const errorMsg = params.get("error")
    ? params.get("error") === "ACCESS_DENIED"
      ? "You cancelled the sign-in, so nothing was connected."
      : `Connecting failed (${params.get("error")}). Try again.`
    : "";
  return (
    <>
      <PageTitle>Integrations</PageTitle>
      <p className="muted">
        Connect your mailboxes, social inboxes, SMS and calendars. Tatu reads new messages every few minutes and never
        changes your mailbox.
      </p>
      {connectedMsg ? (
        <p className="banner banner-info" role="status">
          {connectedMsg}
        </p>
      ) : null}
      {errorMsg ? (
        <p className="banner banner-error" role="alert">
          {errorMsg}
        </p>
      ) : null}
      <h2>Messages</h2>
      {q.isLoading ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} retry={() => q.refetch()} />
      ) : (
        <ul className="cards">
          {q.data!.providers.map((p) => (
            <ProviderCard
              key={p.id}
              p={p}
              accounts={q.data!.items.filter((a) => a.provider === p.id)}
              twilio={q.data!.twilio}
            />
          ))}
        </ul>
      )}
      <h2>Calendars</h2>
      <Calendars accounts={q.data?.items ?? []} />
    </>
  );
}

function AccountRow({ a }: { a: Account }) {
  const qc = useQueryClient();
  const [msg, setMsg] = useState<{ info?: string; error?: string }>({});
  const done = () => void qc.invalidateQueries({ queryKey: ["integrations"] });
  const sync = useMutation({
    mutationFn: () => api<{ fetched: number; inserted: number }>(`/api/integrations/${a.id}/sync`, { method: "POST" }),
    onSuccess: (r) =>
      setMsg({
        info: r.inserted ? `Synced: ${r.inserted} new message${r.inserted === 1 ? "" : "s"}.` : "Synced: nothing new.",
      }),
    onError: (err) => setMsg({ error: messageOf(err) }),
    onSettled: done,
  });
  const disconnect = useMutation({
    mutationFn: () => api(`/api/integrations/${a.id}`, { method: "DELETE" }),
    onSuccess: () => setMsg({ info: "Disconnected. Past conversations stay readable." }),
    onError: (err) => setMsg({ error: messageOf(err) }),
    onSettled: done,
  });
  const off = a.status === "disabled";
  return (
    <li className="account" data-testid="account" data-provider={a.provider} data-status={a.status}>
      <p>
        <strong>{a.aliasLabel ?? a.address}</strong>{" "}
        <span className={`pill pill-${a.status}`}>{STATUS_WORDS[a.status] ?? a.status}</span>
      </p>
      <p className="muted small">
        {a.lastSyncAt || a.status !== "active"
          ? `Last successful sync: ${fmtAgo(a.lastSuccessAt)}`
          : "First sync running…"}
      </p>
      {a.lastError && !off ? <p className="msg-error">{a.lastError}</p> : null}
      {!off ? (
        <div className="actions">
          <button
            type="button"
            className="secondary small"
            onClick={() => sync.mutate()}
            disabled={sync.isPending || a.needsReconnect}
          >
            {sync.isPending ? "Syncing…" : "Sync now"}
          </button>
          <button
            type="button"
            className="secondary small danger"
            onClick={() => {
              if (confirm(`Disconnect ${a.address}? Past messages stay readable.`)) disconnect.mutate();
            }}
            disabled={disconnect.isPending}
          >
            Disconnect
          </button>
        </div>
      ) : null}
      <p className="msg" role="status">
        {msg.info}
      </p>
      <p className="msg msg-error" role="alert">
        {msg.error}
      </p>
    </li>
  );
}

function ProviderCard({ p, accounts, twilio }: { p: ProviderInfo; accounts: Account[]; twilio?: TwilioInfo }) {
  const needsReconnect = accounts.some((a) => a.needsReconnect);
  return (
    <li className="card" data-testid={`provider-${p.id}`}>
      <h3>{p.label}</h3>
      {accounts.length ? (
        <ul className="accounts">
          {accounts.map((a) => (
            <AccountRow key={a.id} a={a} />
          ))}
        </ul>
      ) : (
        <p className="muted">Not connected.</p>
      )}
      {!p.configured ? (
        <p className="muted small">{p.label} is not set up on this server yet. Ask your Tatu admin.</p>
      ) : p.ui.custom === "sms" ? (
        <SmsConnect
          twilio={twilio ?? { serverAccount: false, assignedNumbers: [] }}
          connected={accounts.filter((a) => a.status !== "disabled").map((a) => a.address)}
        />
      ) : p.connect === "credentials" ? (
        accounts.some((a) => a.status === "active") ? (
          <details>
            <summary>Connect another {p.label} account</summary>
            <CredentialsForm id={p.id} path={`/api/integrations/${p.route}/connect`} ui={p.ui} />
          </details>
        ) : (
          <CredentialsForm id={p.id} path={`/api/integrations/${p.route}/connect`} ui={p.ui} />
        )
      ) : (
        <a className="button" href={`/api/integrations/${p.route}/auth`}>
          {needsReconnect
            ? `Reconnect ${p.label}`
            : accounts.length
              ? `Connect another ${p.label} account`
              : `Connect ${p.label}`}
        </a>
      )}
    </li>
  );
}

function useConnect(path: string) {
  const qc = useQueryClient();
  const [fields, setFields] = useState<FieldErrors>({});
  const [msg, setMsg] = useState<{ info?: string; error?: string }>({});
  const m = useMutation({
    mutationFn: (body: unknown) => api<{ account?: Account }>(path, { body }),
    onMutate: () => {
      setFields({});
      setMsg({});
    },
    onSuccess: () => {
      setMsg({ info: "Connected. The first sync is running." });
      void qc.invalidateQueries({ queryKey: ["integrations"] });
      void qc.invalidateQueries({ queryKey: ["calendars"] });
    },
    onError: (err) => {
      setFields(apiFields(err));
      setMsg({ error: messageOf(err) });
    },
  });
  return { m, fields, msg };
}

/** A provider's credentials form, drawn from its meta.ts: fields, an optional how-to, the
 *  submit label, and a choice of presets when it serves several services alike (sent as
 *  `preset`; each may bring its own fields, submit and how-to). Secrets never stay in the page
 *  once the provider accepted them. */
function CredentialsForm({
  id,
  path,
  ui,
  howToOpen,
}: {
  id: string;
  path: string;
  ui: ProviderUi;
  howToOpen?: boolean;
}) {
  const { m, fields, msg } = useConnect(path);
  const [presetId, setPresetId] = useState(ui.form?.presets?.[0]?.id);
  const form = ui.form;
  if (!form) return null;
  const preset = form.presets?.find((p) => p.id === presetId);
  const shown = {
    fields: preset?.fields ?? form.fields,
    submit: preset?.submit ?? form.submit,
    howTo: preset?.howTo ?? form.howTo,
  };
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const el = e.currentTarget;
    const d = new FormData(el);
    const body = Object.fromEntries(shown.fields.map((f) => [f.name, String(d.get(f.name) ?? "")]));
    m.mutate(preset ? { preset: preset.id, ...body } : body, { onSuccess: () => el.reset() });
  }
  return (
    <form id={`${id}-form`} noValidate onSubmit={submit} aria-busy={m.isPending}>
      {form.presets?.length ? (
        <div className="field">
          <label htmlFor={`${id}-preset`}>{form.presetLabel ?? "Service"}</label>
          <select id={`${id}-preset`} name="preset" value={presetId} onChange={(e) => setPresetId(e.target.value)}>
            {form.presets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {shown.howTo ? <HowTo key={presetId} {...shown.howTo} open={howToOpen} /> : null}
      {shown.fields.map((f) => (
        <Field
          key={f.name}
          form={id}
          name={f.name}
          label={f.label}
          type={f.type}
          placeholder={f.placeholder}
          autoComplete={f.autoComplete}
          hint={f.hint}
          error={fields[f.name]}
        />
      ))}
      <button type="submit" disabled={m.isPending}>
        {m.isPending ? "Checking…" : shown.submit}
      </button>
      <p className="msg" role="status">
        {msg.info}
      </p>
      <p className="msg msg-error" role="alert">
        {msg.error}
      </p>
    </form>
  );
}

function HowTo({ title, steps, note, open }: { title: string; steps: string[]; note?: string; open?: boolean }) {
  return (
    <details open={open || undefined}>
      <summary>{title}</summary>
      <ol className="small">
        {steps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
      {note ? <p className="small">{note}</p> : null}
    </details>
  );
}

/** SMS has two ways in: a number of Tatu's own Twilio account that an admin assigned to this
 *  artist, or a number of the studio's own Twilio account (its Account SID + auth token). The
 *  server's refusals (403 not assigned, 409 already connected by another studio) are shown as sent. */
function SmsConnect({ twilio, connected }: { twilio: TwilioInfo; connected: string[] }) {
  const assigned = twilio.assignedNumbers.filter((n) => !connected.includes(n));
  const server = useConnect("/api/integrations/twilio/connect");
  return (
    <div className="sms-connect">
      <section aria-label="A number from Tatu" id="sms-server">
        <h4>A number from Tatu</h4>
        {!twilio.serverAccount ? (
          <p className="muted small">
            This server has no Twilio account of its own: connect your own Twilio account below.
          </p>
        ) : assigned.length ? (
          <div className="actions">
            {assigned.map((n) => (
              <button
                key={n}
                type="button"
                disabled={server.m.isPending}
                onClick={() => server.m.mutate({ phoneNumber: n })}
              >
                Connect {n}
              </button>
            ))}
          </div>
        ) : (
          <p className="muted small">
            {twilio.assignedNumbers.length
              ? "Your assigned number is connected."
              : "No Tatu number is assigned to you. Ask your Tatu admin to assign one, or connect your own Twilio account below."}
          </p>
        )}
        <p className="msg" role="status">
          {server.msg.info}
        </p>
        <p className="msg msg-error" role="alert">
          {server.msg.error}
        </p>
      </section>
      <details open={!twilio.serverAccount || undefined}>
        <summary>Use your own Twilio account</summary>
        <OwnTwilioForm />
      </details>
    </div>
  );
}

function OwnTwilioForm() {
  const { m, fields, msg } = useConnect("/api/integrations/twilio/connect");
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const d = new FormData(form);
    const v = (k: string) => String(d.get(k) ?? "").trim();
    // The auth token never stays in the page once Twilio accepted it.
    m.mutate(
      { phoneNumber: v("phoneNumber"), accountSid: v("accountSid"), authToken: v("authToken") },
      { onSuccess: () => form.reset() },
    );
  }
  return (
    <form id="sms-form" noValidate onSubmit={submit} aria-busy={m.isPending}>
      <p className="small">
        From the Twilio console: <strong>Account info</strong> (Account SID and Auth token) and one of the account's
        phone numbers. Tatu stores the token encrypted and points the number's incoming messages at Tatu.
      </p>
      <Field
        form="sms"
        name="phoneNumber"
        label="Twilio phone number"
        type="tel"
        placeholder="+15551234567"
        autoComplete="off"
        error={fields.phoneNumber}
      />
      <Field
        form="sms"
        name="accountSid"
        label="Account SID"
        placeholder="AC…"
        autoComplete="off"
        error={fields.accountSid}
      />
      <Field
        form="sms"
        name="authToken"
        label="Auth token"
        type="password"
        autoComplete="off"
        error={fields.authToken}
      />
      <button type="submit" disabled={m.isPending}>
        {m.isPending ? "Checking…" : "Connect my Twilio number"}
      </button>
      <p className="msg" role="status">
        {msg.info}
      </p>
      <p className="msg msg-error" role="alert">
        {msg.error}
      </p>
    </form>
  );
}

/** Connected, and its first sync has neither succeeded nor failed yet. */
const firstSyncRunning = (c: Calendar) => c.status === "active" && !c.lastSuccessAt && !c.lastError;

function Calendars({ accounts }: { accounts: Account[] }) {
  const qc = useQueryClient();
  // A new connection syncs in the background: poll until its first sync has ended (succeeded or
  // failed) — not merely started, or a "Sync now" answered "already running" meanwhile leaves the
  // card at "never" until a reload.
  const q = useQuery({
    queryKey: ["calendars"],
    queryFn: () => api<{ items: Calendar[]; providers: CalendarProviderInfo[] }>("/api/calendars"),
    refetchInterval: (query) => (query.state.data?.items.some(firstSyncRunning) ? 2000 : false),
  });
  const [msg, setMsg] = useState<{ info?: string; error?: string }>({});
  const run = useMutation({
    mutationFn: ({ path, method, body }: { path: string; method: "POST" | "PUT" | "DELETE"; body?: unknown }) =>
      api(path, { method, body }),
    onMutate: () => setMsg({}),
    onSuccess: () => setMsg({ info: "Done." }),
    onError: (err) => setMsg({ error: messageOf(err) }),
    onSettled: () => void qc.invalidateQueries({ queryKey: ["calendars"] }),
  });
  const has = (p: string) => accounts.some((a) => a.provider === p && a.status === "active");
  // Google and Outlook calendars come with the mailbox's grant.
  const shared = (q.data?.providers ?? []).filter((p) => p.connect === "shared-grant");
  const channelName = useChannelName();
  const grantLabel = (p: CalendarProviderInfo) => channelName(p.grantProvider!);
  return (
    <section aria-label="Calendars">
      {q.isLoading ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} retry={() => q.refetch()} />
      ) : q.data!.items.length === 0 ? (
        <p className="muted">
          No calendars connected. Busy times from connected calendars keep customers from booking over them.
        </p>
      ) : (
        <ul className="cards">
          {q.data!.items.map((c) => (
            <li key={c.id} className="card" data-testid="calendar">
              <p>
                <strong>{c.name}</strong> · {c.label}{" "}
                <span className={`pill pill-${c.status}`}>{STATUS_WORDS[c.status] ?? c.status}</span>{" "}
                {c.isPrimary ? <span className="pill">Tatu writes here</span> : null}
              </p>
              <p className="muted small">
                {firstSyncRunning(c) ? "First sync running…" : `Last successful sync: ${fmtAgo(c.lastSuccessAt)}`}
                {c.readOnly ? " · read-only" : ""}
              </p>
              {c.lastError ? <p className="msg-error">{c.lastError}</p> : null}
              <div className="actions">
                <button
                  type="button"
                  className="secondary small"
                  onClick={() => run.mutate({ path: `/api/calendars/${c.id}/sync`, method: "POST" })}
                >
                  Sync now
                </button>
                {!c.isPrimary && !c.readOnly ? (
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      run.mutate({ path: `/api/calendars/${c.id}`, method: "PUT", body: { isPrimary: true } })
                    }
                  >
                    Write appointments here
                  </button>
                ) : null}
                <button
                  type="button"
                  className="secondary small danger"
                  onClick={() => run.mutate({ path: `/api/calendars/${c.id}`, method: "DELETE" })}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {shared.some((p) => !has(p.grantProvider!)) ? (
        <p className="hint small">
          {shared.map((p) => p.label).join(" and ")} use the mailbox you connect above: connect it first.
        </p>
      ) : null}
      <div className="actions">
        {shared.map((p) => (
          <button
            key={p.id}
            type="button"
            className="secondary"
            disabled={!has(p.grantProvider!)}
            title={has(p.grantProvider!) ? undefined : `Connect ${grantLabel(p)} first`}
            onClick={() => run.mutate({ path: `/api/calendars/${p.route}`, method: "POST" })}
          >
            Add {p.label}
          </button>
        ))}
      </div>
      <p className="msg" role="status">
        {msg.info}
      </p>
      <p className="msg msg-error" role="alert">
        {msg.error}
      </p>
      {(q.data?.providers ?? [])
        .filter((p) => p.connect === "credentials")
        .map((p) => (
          <details key={p.id} className="card">
            <summary>{p.ui.form?.howTo?.title ?? `Connect ${p.label}`}</summary>
            {p.ui.form?.howTo?.steps.map((step) => (
              <p key={step} className="small">
                {step}
              </p>
            ))}
            <CredentialsForm
              id={p.route}
              path={`/api/calendars/${p.route}/connect`}
              ui={{ form: p.ui.form && { ...p.ui.form, howTo: undefined } }}
            />
          </details>
        ))}
    </section>
  );
}
