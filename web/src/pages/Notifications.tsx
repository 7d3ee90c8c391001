// Notification settings: per kind, email and/or texts; the phone number texts go to. Booking
// confirmations, cancellations and deposit receipts keep at least one channel (the API says so
// field by field, and the form shows it next to the row).
import { useEffect, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { preferencesBody } from "../../../service/notifications/schemas.ts";
import { api } from "../api.ts";
import { useApiForm } from "../forms.ts";
import { RequireUser } from "../guard.tsx";
import { ErrorBox, Field, Loading, PageTitle, Status } from "../ui.tsx";

interface KindRow {
  kind: string;
  label: string;
  transactional: boolean;
  email: boolean;
  sms: boolean;
}
interface Preferences {
  phone: string | null;
  smsAvailable: boolean;
  kinds: KindRow[];
}

const KEY = ["notification-preferences"];

function PreferencesForm({ prefs }: { prefs: Preferences }) {
  const qc = useQueryClient();
  const { form, fields, status, setStatus, busy, submit: send } = useApiForm();
  const [rows, setRows] = useState(prefs.kinds);
  useEffect(() => setRows(prefs.kinds), [prefs]);

  const toggle = (kind: string, channel: "email" | "sms") =>
    setRows((rs) => rs.map((r) => (r.kind === kind ? { ...r, [channel]: !r[channel] } : r)));

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const phone = String(new FormData(e.currentTarget).get("phone") ?? "").trim();
    const input = {
      phone: phone === "" ? null : phone,
      kinds: Object.fromEntries(rows.map((r) => [r.kind, { email: r.email, sms: r.sms }])),
    };
    void send(preferencesBody, input, async (body) => {
      const saved = await api<Preferences>("/api/notifications/preferences", { method: "PUT", body });
      qc.setQueryData(KEY, saved);
      setStatus({ info: "Saved." });
    });
  }

  return (
    <form id="notifications-form" ref={form} noValidate aria-labelledby="page-title" aria-busy={busy} onSubmit={submit}>
      <Field
        form="notifications"
        name="phone"
        label="Mobile number for texts (optional)"
        type="tel"
        autoComplete="tel"
        defaultValue={prefs.phone ?? ""}
        error={fields.phone}
        hint={
          prefs.smsAvailable
            ? "International format, e.g. +4915123456789. Texts are sent only for the rows you tick below."
            : "Texts are not available on this server; you get email."
        }
      />
      <table className="prefs">
        <caption>What you are told, and how</caption>
        <thead>
          <tr>
            <th scope="col">Notification</th>
            <th scope="col">Email</th>
            <th scope="col">Text</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const error = fields[`kinds.${r.kind}`] ?? fields[`kinds.${r.kind}.sms`] ?? fields[`kinds.${r.kind}.email`];
            return (
              <tr key={r.kind} data-kind={r.kind}>
                <th scope="row">
                  {r.label}
                  {r.transactional ? <span className="hint"> (keep at least one on)</span> : null}
                  {error ? (
                    <span className="field-error" id={`pref-${r.kind}-error`}>
                      {" "}
                      {error}
                    </span>
                  ) : null}
                </th>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${r.label} by email`}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `pref-${r.kind}-error` : undefined}
                    checked={r.email}
                    onChange={() => toggle(r.kind, "email")}
                  />
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${r.label} by text`}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `pref-${r.kind}-error` : undefined}
                    checked={r.sms}
                    disabled={!prefs.smsAvailable && !r.sms}
                    onChange={() => toggle(r.kind, "sms")}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <button type="submit" disabled={busy}>
        {busy ? "Saving…" : "Save"}
      </button>
      <Status info={status.info} error={status.error} />
    </form>
  );
}

export default function Notifications() {
  const q = useQuery({ queryKey: KEY, queryFn: () => api<Preferences>("/api/notifications/preferences") });
  return (
    <RequireUser title="Notifications">
      {() => (
        <>
          <PageTitle>Notifications</PageTitle>
          <p>
            Choose how you hear about booking requests, offers and appointments.{" "}
            <Link to="/account">Account security</Link>
          </p>
          {q.isLoading ? <Loading /> : null}
          {q.isError ? <ErrorBox error={q.error} retry={() => q.refetch()} /> : null}
          {q.data ? <PreferencesForm prefs={q.data} /> : null}
        </>
      )}
    </RequireUser>
  );
}
