// Tatu web client: tiny client-side router + auth pages. No build step, no dependencies.

const CSRF_KEY = "tatu_csrf";
const NETWORK_MSG = "We couldn't reach Tatu. Check your connection and try again.";
const GENERIC_MSG = "Something went wrong. Please try again.";
const RESEND_OK = "If an account exists for that address, a new link is on its way";

// ---------- DOM helpers ----------

function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid);
  return el;
}

const title = (text) => h("h1", { id: "page-title", tabindex: "-1" }, text);

function field(form, { label, name, type = "text", autocomplete }) {
  const id = `${form}-${name}`;
  return h("div", { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name, type, autocomplete, required: true, "aria-describedby": `${id}-error` }),
    h("p", { id: `${id}-error`, class: "field-error", "data-error-for": name }));
}

function roleField() {
  const choice = (value, text) => h("label", { class: "choice", for: `signup-role-${value}` },
    h("input", { type: "radio", name: "role", value, id: `signup-role-${value}`, checked: value === "artist" }), text);
  return h("fieldset", { "aria-describedby": "signup-role-error" },
    h("legend", {}, "Which describes you?"),
    choice("artist", "I'm a tattoo artist"),
    choice("customer", "I'm looking for an artist"),
    h("p", { id: "signup-role-error", class: "field-error", "data-error-for": "role" }));
}

const value = (form, name) => {
  const ctl = form.elements.namedItem(name);
  return ctl ? ctl.value : "";
};

/** Shows `content` (string/nodes, or null to clear) next to the named control. Returns false if no such field. */
function setFieldError(form, name, content) {
  const err = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
  if (!err) return false;
  err.replaceChildren(...[].concat(content ?? []));
  const ctl = form.elements.namedItem(name);
  const controls = ctl instanceof RadioNodeList ? [...ctl] : ctl ? [ctl] : [];
  for (const c of controls) {
    if (content) c.setAttribute("aria-invalid", "true");
    else c.removeAttribute("aria-invalid");
  }
  return true;
}

function clearFieldErrors(form) {
  for (const el of form.querySelectorAll("[data-error-for]")) setFieldError(form, el.dataset.errorFor, null);
}

function focusFirstInvalid(form) {
  form.querySelector('[aria-invalid="true"]')?.focus();
}

/** A status block (data-testid="status") with a polite status line and an assertive alert line. */
function statusRegion() {
  const info = h("p", { class: "msg", role: "status", "aria-live": "polite" });
  const alert = h("p", { class: "msg msg-error", role: "alert" });
  return {
    el: h("div", { class: "status", "data-testid": "status" }, info, alert),
    info: (...content) => info.replaceChildren(...content),
    error: (...content) => alert.replaceChildren(...content),
    clear() { info.replaceChildren(); alert.replaceChildren(); },
  };
}

async function busy(form, button, fn) {
  button.disabled = true;
  form?.setAttribute("aria-busy", "true");
  try { return await fn(); }
  finally { button.disabled = false; form?.removeAttribute("aria-busy"); }
}

// ---------- API ----------

async function api(method, path, body, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json", ...headers } };
  if (method !== "GET") {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body ?? {});
  }
  let res;
  try { res = await fetch(path, init); }
  catch { return { status: 0, ok: false, network: true, data: null }; }
  let data = null;
  try { data = await res.json(); } catch { /* empty or non-JSON body */ }
  return { status: res.status, ok: res.ok, data };
}

const errorOf = (r) => r.data?.error ?? {};
const messageOf = (r, fallback = GENERIC_MSG) => (r.network ? NETWORK_MSG : errorOf(r).message || fallback);

const storage = {
  get(key) { try { return sessionStorage.getItem(key); } catch { return null; } },
  set(key, val) { try { sessionStorage.setItem(key, val); } catch { /* storage unavailable */ } },
  remove(key) { try { sessionStorage.removeItem(key); } catch { /* storage unavailable */ } },
};

function readCsrf() {
  const cookie = document.cookie.split(";").map((c) => c.trim()).find((c) => c.startsWith(`${CSRF_KEY}=`));
  if (cookie) {
    try { return decodeURIComponent(cookie.slice(CSRF_KEY.length + 1)); } catch { /* fall through */ }
  }
  return storage.get(CSRF_KEY) ?? "";
}

/** POSTs resend-verification and reports the outcome in `status` (and next to the email field of `form`, if any). */
async function resendVerification(email, button, status, form) {
  status.clear();
  if (form) clearFieldErrors(form);
  const r = await busy(form, button, () => api("POST", "/api/auth/resend-verification", { email }));
  if (r.ok) return status.info(RESEND_OK);
  const fieldMsg = errorOf(r).fields?.email;
  if (form && fieldMsg && setFieldError(form, "email", fieldMsg)) focusFirstInvalid(form);
  status.error(messageOf(r));
}

function resendButton(getEmail, status) {
  const button = h("button", { type: "button", id: "resend-verification", class: "secondary" }, "Resend verification");
  button.addEventListener("click", () => resendVerification(getEmail(), button, status));
  return button;
}

// ---------- Views ----------

function landing(main, ctx) {
  const status = statusRegion();
  const session = h("div", { class: "session" },
    h("ul", { class: "links" },
      h("li", {}, h("a", { class: "button", href: "/signup" }, "Sign up")),
      h("li", {}, h("a", { href: "/login" }, "Log in"))));
  main.append(title("Tatu"), h("p", { class: "pitch" }, "One inbox, calendar and booking page for tattoo artists"), session, status.el);

  api("GET", "/api/auth/me").then((r) => {
    if (!ctx.alive()) return;
    if (r.status === 200 && r.data) {
      const user = r.data.user ?? r.data;
      const logout = h("button", { type: "button", id: "logout", class: "secondary" }, "Log out");
      logout.addEventListener("click", () => logOut(logout, status));
      session.replaceChildren(
        h("p", { "data-testid": "signed-in" }, `Signed in as ${user.name} (${user.email}, ${user.role})`), logout);
    } else if (r.network) {
      status.error(NETWORK_MSG);
    }
  });
}

async function logOut(button, status) {
  status.clear();
  const r = await busy(null, button, () => api("POST", "/api/auth/logout", {}, { "x-csrf-token": readCsrf() }));
  if (r.ok || r.status === 401) {
    storage.remove(CSRF_KEY);
    navigate("/");
  } else {
    status.error(messageOf(r));
  }
}

function signup(main) {
  const status = statusRegion();
  const actions = h("div", { class: "actions" });
  const submit = h("button", { type: "submit" }, "Create account");
  const form = h("form", { id: "signup-form", novalidate: true, "aria-labelledby": "page-title" },
    field("signup", { label: "Name", name: "name", autocomplete: "name" }),
    field("signup", { label: "Email", name: "email", type: "email", autocomplete: "email" }),
    field("signup", { label: "Password", name: "password", type: "password", autocomplete: "new-password" }),
    roleField(),
    submit);
  const footer = h("p", {}, "Already have an account? ", h("a", { href: "/login" }, "Log in"));
  main.append(title("Create your Tatu account"), form, status.el, actions, footer);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.clear();
    clearFieldErrors(form);
    const email = value(form, "email").trim();
    const body = { email, password: value(form, "password"), name: value(form, "name").trim(), role: value(form, "role") };
    const r = await busy(form, submit, () => api("POST", "/api/auth/signup", body));
    const err = errorOf(r);

    if (r.status === 201) {
      form.remove();
      footer.remove();
      const done = h("h2", { tabindex: "-1" }, "Account created");
      main.insertBefore(done, status.el);
      if (r.data?.verificationEmailSent === false) {
        status.info("Your account was created, but we couldn't send the verification email right now. Try resending it.");
        actions.replaceChildren(resendButton(() => email, status));
      } else {
        status.info("Check your inbox to verify your email");
      }
      done.focus();
    } else if (r.status === 400 && err.code === "VALIDATION_FAILED") {
      const unplaced = Object.entries(err.fields ?? {}).filter(([name, msg]) => !setFieldError(form, name, msg));
      status.error(err.message || "Please fix the highlighted fields.", ...unplaced.map(([, msg]) => ` ${msg}`));
      focusFirstInvalid(form);
    } else if (r.status === 409 && err.code === "EMAIL_TAKEN") {
      setFieldError(form, "email", [`${err.message || "That email is already registered."} `, h("a", { href: "/login" }, "Log in instead")]);
      focusFirstInvalid(form);
    } else {
      status.error(messageOf(r));
    }
  });
}

function login(main) {
  const status = statusRegion();
  const actions = h("div", { class: "actions" });
  const submit = h("button", { type: "submit" }, "Log in");
  const form = h("form", { id: "login-form", novalidate: true, "aria-labelledby": "page-title" },
    field("login", { label: "Email", name: "email", type: "email", autocomplete: "email" }),
    field("login", { label: "Password", name: "password", type: "password", autocomplete: "current-password" }),
    submit);
  main.append(title("Log in to Tatu"), form, status.el, actions,
    h("p", {}, "New to Tatu? ", h("a", { href: "/signup" }, "Create an account")));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.clear();
    actions.replaceChildren();
    clearFieldErrors(form);
    const email = value(form, "email").trim();
    const r = await busy(form, submit, () => api("POST", "/api/auth/login", { email, password: value(form, "password") }));
    const err = errorOf(r);

    if (r.status === 200) {
      if (r.data?.csrfToken) storage.set(CSRF_KEY, r.data.csrfToken);
      navigate("/");
    } else if (r.status === 403 && err.code === "EMAIL_NOT_VERIFIED") {
      status.error(err.message || "Please verify your email before logging in.");
      actions.replaceChildren(resendButton(() => email, status));
    } else if (r.status === 400 && err.fields) {
      for (const [name, msg] of Object.entries(err.fields)) setFieldError(form, name, msg);
      status.error(messageOf(r));
      focusFirstInvalid(form);
    } else {
      status.error(messageOf(r));
    }
  });
}

function verifyEmail(main, ctx) {
  const heading = title("Verifying your email…");
  const status = statusRegion();
  const body = h("div", { id: "verify", "data-state": "loading", "aria-busy": "true" });
  main.append(heading, status.el, body);
  status.info("Verifying your email…");

  const finish = (state, headingText) => {
    heading.textContent = headingText;
    document.title = `${headingText} · Tatu`;
    body.dataset.state = state;
    body.removeAttribute("aria-busy");
    status.clear();
  };

  const fail = (message) => {
    finish("error", "We couldn't verify your email");
    status.error(message);
    const submit = h("button", { type: "submit", id: "resend-verification" }, "Resend verification");
    const form = h("form", { id: "resend-form", novalidate: true, "aria-labelledby": "resend-title" },
      field("resend", { label: "Email", name: "email", type: "email", autocomplete: "email" }),
      submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      resendVerification(value(form, "email").trim(), submit, status, form);
    });
    body.replaceChildren(h("h2", { id: "resend-title" }, "Get a new verification link"), form);
  };

  const token = new URLSearchParams(location.search).get("token");
  if (!token) return fail("This verification link is missing its token. Request a new link below.");

  api("GET", `/api/auth/verify-email?token=${encodeURIComponent(token)}`).then((r) => {
    if (!ctx.alive()) return;
    if (r.status === 200 && r.data?.verified) {
      finish("success", "Email verified");
      status.info("Email verified — you can now log in");
      body.replaceChildren(
        r.data.email ? h("p", {}, `${r.data.email} is confirmed.`) : null,
        h("p", {}, h("a", { class: "button", href: "/login" }, "Log in")));
    } else {
      fail(messageOf(r, "This verification link isn't valid."));
    }
  });
}

function notFound(main) {
  main.append(title("Page not found"),
    h("p", {}, "We couldn't find that page."),
    h("p", {}, h("a", { href: "/" }, "Go to the home page")));
}

// ---------- Router ----------

const routes = { "/": landing, "/signup": signup, "/login": login, "/verify-email": verifyEmail };
let renderSeq = 0;

function render({ focus = true } = {}) {
  const seq = ++renderSeq;
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const view = routes[path] ?? notFound;
  const main = document.getElementById("main");
  main.replaceChildren();
  view(main, { alive: () => seq === renderSeq });
  const heading = main.querySelector("h1");
  document.title = !heading || view === landing ? "Tatu" : `${heading.textContent} · Tatu`;
  if (focus) heading?.focus();
}

function navigate(to) {
  const url = new URL(to, location.href);
  if (url.pathname + url.search === location.pathname + location.search) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (link.target && link.target !== "_self") return;
  if (link.hasAttribute("download")) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.hash && url.pathname === location.pathname) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener("popstate", () => render());
render({ focus: false });
