// Sign up, log in, verify email. Forms validate with the API's own zod schemas
// (service/auth/schemas.ts imports nothing but zod) and show the API's field errors too.
import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { loginBody, resendBody, signupBody } from "../../../service/auth/schemas.ts";
import { api, ApiError, messageOf, setCsrfToken } from "../api.ts";
import { apiFields, check, focusFirstInvalid, useApiForm, type FieldErrors, type StatusState } from "../forms.ts";
import { ME_KEY } from "../session.ts";
import type { User } from "../types.ts";
import { Field, PageTitle, Status } from "../ui.tsx";

const RESEND_FALLBACK = "If an account exists for that address, a new link is on its way.";

function useResend(setStatus: (s: StatusState) => void) {
  const [busy, setBusy] = useState(false);
  return {
    busy,
    async resend(email: string, onFields?: (f: FieldErrors) => void) {
      setStatus({});
      const v = check(resendBody, { email });
      if (!v.ok) {
        onFields?.(v.fields);
        return setStatus({ error: v.fields.email ?? "Enter your email address." });
      }
      setBusy(true);
      try {
        const r = await api<{ message?: string }>("/api/auth/resend-verification", { body: v.data });
        setStatus({ info: r.message ?? RESEND_FALLBACK });
      } catch (err) {
        onFields?.(apiFields(err));
        setStatus({ error: messageOf(err) });
      } finally {
        setBusy(false);
      }
    },
  };
}

export function Signup() {
  const { form, fields, setFields, status, setStatus, busy, submit: send } = useApiForm();
  const [done, setDone] = useState<{ email: string; sent: boolean } | null>(null);
  const { resend, busy: resending } = useResend(setStatus);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const input = {
      name: String(data.get("name") ?? ""),
      email: String(data.get("email") ?? ""),
      password: String(data.get("password") ?? ""),
      role: data.get("role") ?? undefined,
    };
    void send(
      signupBody,
      input,
      async (body) => {
        const r = await api<{ verificationEmailSent: boolean }>("/api/auth/signup", { body });
        setDone({ email: body.email, sent: r.verificationEmailSent !== false });
        setStatus({
          info:
            r.verificationEmailSent === false
              ? "Your account was created, but we couldn't send the verification email right now. Try resending it."
              : "Check your inbox to verify your email.",
        });
      },
      {
        onInvalid: () => setStatus({ error: "Please fix the highlighted fields." }),
        onError: (err) => {
          if (err instanceof ApiError && err.code === "EMAIL_TAKEN")
            setFields({ email: err.message || "That email is already registered." });
          focusFirstInvalid(form.current);
        },
      },
    );
  }

  if (done)
    return (
      <>
        <PageTitle title="Account created">Account created</PageTitle>
        <Status info={status.info} error={status.error}>
          {!done.sent ? (
            <button
              type="button"
              id="resend-verification"
              className="secondary"
              disabled={resending}
              onClick={() => resend(done.email)}
            >
              Resend verification
            </button>
          ) : null}
        </Status>
        <p>
          We sent a link to <strong>{done.email}</strong>. Open it to finish, then <Link to="/login">log in</Link>.
        </p>
      </>
    );

  return (
    <>
      <PageTitle>Create your Tatu account</PageTitle>
      <form id="signup-form" ref={form} noValidate aria-labelledby="page-title" aria-busy={busy} onSubmit={submit}>
        <Field form="signup" name="name" label="Name" autoComplete="name" required error={fields.name} />
        <Field
          form="signup"
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          error={fields.email ?? undefined}
        />
        <Field
          form="signup"
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          error={fields.password}
          hint="At least 8 characters, with a number or symbol."
        />
        <fieldset aria-describedby="signup-role-error">
          <legend>Which describes you?</legend>
          <label className="choice" htmlFor="signup-role-artist">
            <input
              type="radio"
              name="role"
              value="artist"
              id="signup-role-artist"
              defaultChecked
              aria-invalid={fields.role ? true : undefined}
            />{" "}
            I'm a tattoo artist
          </label>
          <label className="choice" htmlFor="signup-role-customer">
            <input
              type="radio"
              name="role"
              value="customer"
              id="signup-role-customer"
              aria-invalid={fields.role ? true : undefined}
            />{" "}
            I'm looking for an artist
          </label>
          <p id="signup-role-error" className="field-error" data-error-for="role">
            {fields.role ?? ""}
          </p>
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Create account"}
        </button>
      </form>
      <Status info={status.info} error={status.error} />
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </>
  );
}

export function Login() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { form, fields, status, setStatus, busy, submit: send } = useApiForm();
  const [unverified, setUnverified] = useState<string | null>(null);
  const { resend, busy: resending } = useResend(setStatus);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setUnverified(null);
    const data = new FormData(e.currentTarget);
    const input = { email: String(data.get("email") ?? ""), password: String(data.get("password") ?? "") };
    void send(
      loginBody,
      input,
      async (body) => {
        const r = await api<{ user: User; csrfToken: string }>("/api/auth/login", { body });
        setCsrfToken(r.csrfToken);
        qc.setQueryData(ME_KEY, r.user);
        const next = params.get("next");
        navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/");
      },
      {
        onError: (err, body) => {
          if (err instanceof ApiError && err.code === "EMAIL_NOT_VERIFIED") setUnverified(body.email);
        },
      },
    );
  }

  return (
    <>
      <PageTitle>Log in to Tatu</PageTitle>
      <form id="login-form" ref={form} noValidate aria-labelledby="page-title" aria-busy={busy} onSubmit={submit}>
        <Field
          form="login"
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          error={fields.email}
        />
        <Field
          form="login"
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          error={fields.password}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
      <Status info={status.info} error={status.error}>
        {unverified ? (
          <div className="actions">
            <p>Open the link we emailed to {unverified}. Lost it? Get a new one:</p>
            <button
              type="button"
              id="resend-verification"
              className="secondary"
              disabled={resending}
              onClick={() => resend(unverified)}
            >
              Resend verification
            </button>
          </div>
        ) : null}
      </Status>
      <p>
        <Link to="/forgot-password" id="forgot-password-link">
          Forgot your password?
        </Link>
      </p>
      <p>
        New to Tatu? <Link to="/signup">Create an account</Link>
      </p>
    </>
  );
}

export function VerifyEmail() {
  const [params] = useSearchParams();
  const token = params.get("token");
  // A query (not an effect) so the single-use token is sent once even when React re-mounts.
  const q = useQuery({
    queryKey: ["verify-email", token],
    queryFn: () =>
      api<{ verified: boolean; email?: string }>(`/api/auth/verify-email?token=${encodeURIComponent(token!)}`),
    enabled: Boolean(token),
    retry: false,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  const state = !token || q.isError ? "error" : q.isSuccess ? "success" : "loading";
  const failure = !token
    ? "This verification link is missing its token. Request a new link below."
    : q.isError
      ? messageOf(q.error)
      : "";
  const heading =
    state === "success"
      ? "Email verified"
      : state === "error"
        ? "We couldn't verify your email"
        : "Verifying your email…";
  return (
    <>
      <PageTitle title={heading}>{heading}</PageTitle>
      <Status
        info={
          state === "success"
            ? "Email verified — you can now log in."
            : state === "loading"
              ? "Verifying your email…"
              : ""
        }
        error={failure}
      />
      <div id="verify" data-state={state} aria-busy={state === "loading"}>
        {state === "success" ? (
          <>
            {q.data?.email ? <p>{q.data.email} is confirmed.</p> : null}
            <p>
              <Link className="button" to="/login">
                Log in
              </Link>
            </p>
          </>
        ) : state === "error" ? (
          <ResendForm />
        ) : null}
      </div>
    </>
  );
}

function ResendForm() {
  const [fields, setFields] = useState<FieldErrors>({});
  const [status, setStatus] = useState<StatusState>({});
  const { resend, busy } = useResend(setStatus);
  return (
    <>
      <h2 id="resend-title">Get a new verification link</h2>
      <form
        id="resend-form"
        noValidate
        aria-labelledby="resend-title"
        onSubmit={(e) => {
          e.preventDefault();
          setFields({});
          void resend(String(new FormData(e.currentTarget).get("email") ?? ""), setFields);
        }}
      >
        <Field
          form="resend"
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          required
          error={fields.email}
        />
        <button type="submit" id="resend-verification" disabled={busy}>
          Resend verification
        </button>
      </form>
      <p className="msg" role="status">
        {status.info}
      </p>
      <p className="msg msg-error" role="alert">
        {status.error && !fields.email ? status.error : ""}
      </p>
    </>
  );
}
