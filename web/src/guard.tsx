// Screens for signed-in users (optionally one role): everyone else gets a way in, not a blank page.
import type { ReactNode } from "react";
import { Link, useLocation } from "react-router-dom";
import { useMe } from "./session.ts";
import type { Role, User } from "./types.ts";
import { ErrorBox, Loading, PageTitle } from "./ui.tsx";

export function RequireUser({
  role,
  admin,
  title,
  children,
}: {
  role?: Role;
  admin?: boolean;
  title: string;
  children: (user: User) => ReactNode;
}) {
  const me = useMe();
  const location = useLocation();
  if (me.isLoading) return <Loading />;
  if (me.isError) return <ErrorBox error={me.error} retry={() => me.refetch()} />;
  const user = me.data;
  if (!user)
    return (
      <>
        <PageTitle>{title}</PageTitle>
        <p>Log in to continue.</p>
        <p>
          <Link className="button" to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}>
            Log in
          </Link>{" "}
          or <Link to="/signup">create an account</Link>
        </p>
      </>
    );
  if ((role && user.role !== role) || (admin && !user.isAdmin))
    return (
      <>
        <PageTitle>{title}</PageTitle>
        <p role="alert">
          {admin
            ? "This page is for Tatu admins."
            : role === "artist"
              ? "This page is for artist accounts."
              : "This page is for customer accounts."}
        </p>
        <p>
          <Link to="/">Back to the home page</Link>
        </p>
      </>
    );
  return <>{children(user)}</>;
}
