// Entry: providers, the shell (header, navigation, connection banners) and lazily loaded
// screens, so each page downloads only its own code (the map's Leaflet stays on map pages).
import { lazy, StrictMode, Suspense, useEffect, useState, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Link, NavLink, Route, Routes, useLocation } from "react-router-dom";
import { ApiError } from "./api.ts";
import { useMe } from "./session.ts";
import { useRealtime, type LiveState } from "./realtime.ts";
import { Loading } from "./ui.tsx";
import { Home } from "./pages/Home.tsx";
import { LogoutButton } from "./logout.tsx";
import "./styles.css";

const Auth = {
  Signup: lazy(() => import("./pages/Auth.tsx").then((m) => ({ default: m.Signup }))),
  Login: lazy(() => import("./pages/Auth.tsx").then((m) => ({ default: m.Login }))),
  Verify: lazy(() => import("./pages/Auth.tsx").then((m) => ({ default: m.VerifyEmail }))),
  Forgot: lazy(() => import("./pages/Account.tsx").then((m) => ({ default: m.ForgotPassword }))),
  Reset: lazy(() => import("./pages/Account.tsx").then((m) => ({ default: m.ResetPassword }))),
};
const Account = lazy(() => import("./pages/Account.tsx"));
const Notifications = lazy(() => import("./pages/Notifications.tsx"));
const Inbox = lazy(() => import("./pages/Inbox.tsx"));
const Integrations = lazy(() => import("./pages/Integrations.tsx"));
const Calendar = lazy(() => import("./pages/Calendar.tsx"));
const ProfileEditor = lazy(() => import("./pages/ProfileEditor.tsx"));
const Search = lazy(() => import("./pages/Search.tsx"));
const Artist = lazy(() => import("./pages/Artist.tsx"));
const MyBookings = lazy(() => import("./pages/MyBookings.tsx"));
const Booking = lazy(() => import("./pages/Booking.tsx"));
const Ops = lazy(() => import("./pages/Ops.tsx"));
const Clients = lazy(() => import("./pages/Clients.tsx"));
const Client = lazy(() => import("./pages/Client.tsx"));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (n, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && n < 2,
      refetchOnWindowFocus: true,
      staleTime: 10_000,
    },
  },
});

function useOnline(): boolean {
  const [online, setOnline] = useState(typeof navigator === "undefined" ? true : navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true),
      down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);
  return online;
}

function Banners({ live }: { live: LiveState }) {
  const online = useOnline();
  if (!online)
    return (
      <div className="banner banner-warn" role="status" data-testid="offline-banner">
        You're offline. Changes will load again when the connection is back.
      </div>
    );
  if (live === "reconnecting")
    return (
      <div className="banner banner-warn" role="status" data-testid="live-banner">
        Live updates paused — reconnecting…
      </div>
    );
  return null;
}

function Shell({ children }: { children: ReactNode }) {
  const me = useMe();
  const user = me.data ?? null;
  const live = useRealtime(Boolean(user));
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const link = (to: string, text: string) => (
    <li>
      <NavLink to={to}>{text}</NavLink>
    </li>
  );
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link className="brand" to="/">
          Tatu
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="site-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <nav id="site-nav" aria-label="Main" className={menuOpen ? "open" : ""}>
          <ul>
            {link("/artists", "Find an artist")}
            {user?.role === "artist" ? (
              <>
                {link("/inbox", "Inbox")}
                {link("/calendar", "Calendar")}
                {link("/clients", "Clients")}
                {link("/integrations", "Integrations")}
                {link("/profile", "My profile")}
              </>
            ) : null}
            {user?.role === "customer" ? link("/bookings", "My bookings") : null}
            {user?.isAdmin ? link("/ops", "Ops") : null}
            {user ? link("/account", "Account") : null}
            {user ? (
              <li>
                <LogoutButton id="nav-logout" className="link-button" />
              </li>
            ) : me.isLoading ? null : (
              <>
                {link("/login", "Log in")}
                {link("/signup", "Sign up")}
              </>
            )}
          </ul>
        </nav>
      </header>
      <Banners live={live} />
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1 id="page-title" tabIndex={-1}>
        Page not found
      </h1>
      <p>We couldn't find that page.</p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </>
  );
}

function App() {
  return (
    <Shell>
      <Routes>
        <Route path="/" element={<Home />} />
        <Route path="/signup" element={<Auth.Signup />} />
        <Route path="/login" element={<Auth.Login />} />
        <Route path="/verify-email" element={<Auth.Verify />} />
        <Route path="/forgot-password" element={<Auth.Forgot />} />
        <Route path="/reset-password" element={<Auth.Reset />} />
        <Route path="/account" element={<Account />} />
        <Route path="/account/notifications" element={<Notifications />} />
        <Route path="/inbox" element={<Inbox />} />
        <Route path="/inbox/:id" element={<Inbox />} />
        <Route path="/integrations" element={<Integrations />} />
        <Route path="/calendar" element={<Calendar />} />
        <Route path="/profile" element={<ProfileEditor />} />
        <Route path="/artists" element={<Search />} />
        <Route path="/artists/:id" element={<Artist />} />
        <Route path="/bookings" element={<MyBookings />} />
        <Route path="/bookings/:id" element={<Booking />} />
        <Route path="/ops" element={<Ops />} />
        <Route path="/clients" element={<Clients />} />
        <Route path="/clients/:id" element={<Client />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Shell>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
