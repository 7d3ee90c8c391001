// Log out: ends the server session, forgets the cached user and everything fetched for them.
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router-dom";
import { api, ApiError, messageOf, setCsrfToken } from "./api.ts";
import { ME_KEY } from "./session.ts";

export function LogoutButton({ id, className }: { id: string; className?: string }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button
        type="button"
        id={id}
        className={className}
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError("");
          try {
            await api("/api/auth/logout", { method: "POST" });
          } catch (err) {
            if (!(err instanceof ApiError && err.status === 401)) {
              setError(messageOf(err));
              setBusy(false);
              return;
            }
          }
          setCsrfToken(null);
          qc.setQueryData(ME_KEY, null);
          qc.removeQueries({ predicate: (q) => q.queryKey[0] !== "me" });
          setBusy(false);
          navigate("/");
        }}
      >
        Log out
      </button>
      {error ? (
        <span role="alert" className="msg-error">
          {error}
        </span>
      ) : null}
    </>
  );
}
