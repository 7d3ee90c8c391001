// Password recovery (forgot → emailed link → reset) and the account's security page (change
// password, devices signed in, sign out everywhere, delete the account). Forms validate with the API's zod schemas.
import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import {
  changePasswordBody,
  deleteAccountBody,
  forgotPasswordBody,
  resetPasswordBody,
} from "../../../service/auth/schemas.ts";
import { api, messageOf, setCsrfToken } from "../api.ts";
import { focusFirstInvalid, useApiForm } from "../forms.ts";
import { RequireUser } from "../guard.tsx";
import { ME_KEY } from "../session.ts";
import { Field, PageTitle, Status } from "../ui.tsx";

const PASSWORD_HINT = "At least 8 characters, with a number or symbol.";

export function ForgotPassword() {
  const { form, fields, status, setStatus, busy, submit: send } = useApiForm();

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    void send(forgotPasswordBody, { email: String(new FormData(e.currentTarget).get("email") ?? "") }, async (body) => {
      const r = await api<{ message?: string }>("/api/auth/forgot-password", { body });
      setStatus({ info: r.message ?? "If an account exists for that address, a link is on its way." });
    });
  }

  return (
    <>
      <PageTitle>Reset your password</PageTitle>
      <p>Enter your email. We'll send a link to choose a new password; it works once, for one hour.</p>
      <form id="forgot-form" ref={form} noValidate aria-labelledby="page-title" aria-busy={busy} onSubmit={submit}>
        <Field
          form="forgot"
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          error={fields.email}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Sending…" : "Send reset link"}
        </button>
      </form>
      <Status info={status.info} error={status.error} />
      <p>
        <Link to="/login">Back to log in</Link>
      </p>
    </>
  );
}

export function ResetPassword() {
  const qc = useQueryClient();
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const { form, fields, status, setStatus, busy, submit: send } = useApiForm();
  const [done, setDone] = useState(false);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const input = { token, password: String(new FormData(e.currentTarget).get("password") ?? "") };
    void send(
      resetPasswordBody,
      input,
      async (body) => {
        await api("/api/auth/reset-password", { body });
        // Every session was signed out, this browser's too.
        setCsrfToken(null);
        qc.setQueryData(ME_KEY, null);
        setDone(true);
        setStatus({ info: "Your password is set. Every device was signed out." });
      },
      {
        onInvalid: (f) => {
          if (f.token) setStatus({ error: "This link is missing its token. Request a new one." });
        },
      },
    );
  }

  if (done)
    return (
      <>
        <PageTitle title="Password set">Password set</PageTitle>
        <Status info={status.info} />
        <div id="reset" data-state="success">
          <p>
            <Link className="button" to="/login">
              Log in
            </Link>
          </p>
        </div>
      </>
    );
  return (
    <>
      <PageTitle>Choose a new password</PageTitle>
      <form id="reset-form" ref={form} noValidate aria-labelledby="page-title" aria-busy={busy} onSubmit={submit}>
        <Field
          form="reset"
          name="password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          error={fields.password}
          hint={PASSWORD_HINT}
        />
        <button type="submit" disabled={busy || !token}>
          {busy ? "Saving…" : "Set password"}
        </button>
      </form>
      <Status
        info={status.info}
        error={status.error || (!token ? "This link is missing its token. Request a new one." : undefined)}
      />
      <p>
        <Link to="/forgot-password">Request a new link</Link>
      </p>
    </>
  );
}

interface SessionRow {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

function ChangePassword() {
  const qc = useQueryClient();
  const { form, fields, status, setStatus, busy, submit: send } = useApiForm();

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const target = e.currentTarget;
    const data = new FormData(target);
    const input = {
      currentPassword: String(data.get("currentPassword") ?? ""),
      newPassword: String(data.get("newPassword") ?? ""),
    };
    void send(
      changePasswordBody,
      input,
      async (body) => {
        const r = await api<{ message?: string }>("/api/auth/change-password", { body });
        target.reset();
        setStatus({ info: r.message ?? "Password changed." });
        void qc.invalidateQueries({ queryKey: ["sessions"] });
      },
      { onError: () => focusFirstInvalid(form.current) },
    );
  }

  return (
    <section aria-labelledby="change-title">
      <h2 id="change-title">Change password</h2>
      <form
        id="change-password-form"
        ref={form}
        noValidate
        aria-labelledby="change-title"
        aria-busy={busy}
        onSubmit={submit}
      >
        <Field
          form="change"
          name="currentPassword"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          error={fields.currentPassword}
        />
        <Field
          form="change"
          name="newPassword"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          error={fields.newPassword}
          hint={PASSWORD_HINT}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Change password"}
        </button>
      </form>
      <Status info={status.info} error={status.error} />
    </section>
  );
}

function Sessions() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const q = useQuery({ queryKey: ["sessions"], queryFn: () => api<{ sessions: SessionRow[] }>("/api/auth/sessions") });

  async function signOutEverywhere() {
    setBusy(true);
    setError("");
    try {
      await api("/api/auth/sessions/revoke-all", { method: "POST" });
      setCsrfToken(null);
      qc.setQueryData(ME_KEY, null);
      qc.removeQueries({ predicate: (x) => x.queryKey[0] !== "me" });
      navigate("/login");
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Signed-in devices</h2>
      {q.isError ? <p role="alert">{messageOf(q.error)}</p> : null}
      <ul id="sessions">
        {(q.data?.sessions ?? []).map((s) => (
          <li key={s.id} data-current={s.current || undefined}>
            {s.userAgent ?? "Unknown browser"}
            {s.ip ? ` · ${s.ip}` : ""} · last active {new Date(s.lastSeenAt).toLocaleString()}
            {s.current ? " (this browser)" : ""}
          </li>
        ))}
      </ul>
      <button type="button" id="sign-out-everywhere" className="secondary" disabled={busy} onClick={signOutEverywhere}>
        Sign out everywhere
      </button>
      {error ? (
        <p role="alert" className="msg-error">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/** Deletes the account for good, after the person types their password. */
function DeleteAccount() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { form, fields, status, busy, submit: send } = useApiForm();

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const input = { password: String(new FormData(e.currentTarget).get("password") ?? "") };
    void send(
      deleteAccountBody,
      input,
      async (body) => {
        await api("/api/auth/me", { method: "DELETE", body });
        setCsrfToken(null);
        qc.setQueryData(ME_KEY, null);
        qc.removeQueries({ predicate: (x) => x.queryKey[0] !== "me" });
        navigate("/login?deleted=1");
      },
      { onError: () => focusFirstInvalid(form.current) },
    );
  }

  return (
    <section aria-labelledby="delete-title">
      <h2 id="delete-title">Delete account</h2>
      <p>
        This deletes your account, your connected accounts and your inbox for good, and signs out every device. Bookings
        and payments stay with the other party, without your name.
      </p>
      <form
        id="delete-account-form"
        ref={form}
        noValidate
        aria-labelledby="delete-title"
        aria-busy={busy}
        onSubmit={submit}
      >
        <Field
          form="delete"
          name="password"
          label="Your password"
          type="password"
          autoComplete="current-password"
          required
          error={fields.password}
        />
        <button type="submit" className="danger" disabled={busy}>
          {busy ? "Deleting…" : "Delete account"}
        </button>
      </form>
      <Status info={status.info} error={status.error} />
    </section>
  );
}

export default function Account() {
  return (
    <RequireUser title="Account security">
      {(user) => (
        <>
          <PageTitle>Account security</PageTitle>
          <p>
            Signed in as {user.email}. <Link to="/account/notifications">Notification settings</Link>
          </p>
          <ChangePassword />
          <Sessions />
          <DeleteAccount />
        </>
      )}
    </RequireUser>
  );
}
