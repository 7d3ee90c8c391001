// Landing: who is signed in, what is waiting for them (GET /api/me/home), and where to go next.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { api } from "../api.ts";
import { LogoutButton } from "../logout.tsx";
import { useMe } from "../session.ts";
import { ErrorBox, Loading, PageTitle } from "../ui.tsx";
import { ArtistToday, CustomerToday, type HomeData } from "./HomeToday.tsx";

export function Home() {
  const me = useMe();
  const user = me.data;
  return (
    <>
      <PageTitle title="Tatu">Tatu</PageTitle>
      <p className="pitch">One inbox, calendar and booking page for tattoo artists</p>
      {me.isLoading ? (
        <Loading />
      ) : me.isError ? (
        <ErrorBox error={me.error} retry={() => me.refetch()} />
      ) : user ? (
        <section className="session" aria-label="Your account">
          <p data-testid="signed-in">
            Signed in as {user.name} ({user.email}, {user.role})
          </p>
          <Today />
          <ul className="links">
            {user.role === "artist" ? (
              <>
                <li>
                  <Link className="button" to="/inbox">
                    Open your inbox
                  </Link>
                </li>
                <li>
                  <Link to="/calendar">Calendar &amp; bookings</Link>
                </li>
                <li>
                  <Link to="/integrations">Connect your channels</Link>
                </li>
                <li>
                  <Link to="/profile">Edit your public profile</Link>
                </li>
              </>
            ) : (
              <>
                <li>
                  <Link className="button" to="/artists">
                    Find an artist
                  </Link>
                </li>
                <li>
                  <Link to="/bookings">My booking requests</Link>
                </li>
              </>
            )}
            {user.isAdmin ? (
              <li>
                <Link to="/ops">Ops status</Link>
              </li>
            ) : null}
          </ul>
          <LogoutButton id="logout" className="secondary" />
        </section>
      ) : (
        <section className="session" aria-label="Get started">
          <ul className="links">
            <li>
              <Link className="button" to="/signup">
                Sign up
              </Link>
            </li>
            <li>
              <Link to="/login">Log in</Link>
            </li>
            <li>
              <Link to="/artists">Find an artist near you</Link>
            </li>
          </ul>
        </section>
      )}
    </>
  );
}

/** The start page's own data: appointments, requests, unread counts, setup. */
function Today() {
  const home = useQuery({ queryKey: ["home"], queryFn: () => api<HomeData>("/api/me/home") });
  if (home.isLoading) return <Loading />;
  if (home.isError) return <ErrorBox error={home.error} retry={() => home.refetch()} />;
  const data = home.data!;
  return data.role === "artist" ? <ArtistToday data={data} /> : <CustomerToday data={data} />;
}
