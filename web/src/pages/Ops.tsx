// Ops status for admins: readiness, the kill switches (crons and providers) with their
// append-only change history, and the hypercare metrics — the same numbers `tatu hypercare`
// reads from /api/admin/metrics.
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, messageOf } from "../api.ts";
import { RequireUser } from "../guard.tsx";
import { ErrorBox, fmtAgo, Loading, PageTitle } from "../ui.tsx";

export default function OpsPage() {
  return (
    <RequireUser admin title="Ops status">
      {() => <Ops />}
    </RequireUser>
  );
}

interface Check {
  ok: boolean;
  latencyMs?: number;
  error?: string;
  note?: string;
  mode?: string;
}
interface Switch {
  name: string;
  enabled: boolean;
  reason?: string | null;
  updatedBy?: string | null;
  updatedAt?: string | null;
  kind?: string;
  description?: string;
}
interface SwitchChange {
  id: string;
  name: string;
  at: string;
  by: string;
  reason: string | null;
  before: { enabled: boolean };
  after: { enabled: boolean };
}
type Metrics = Record<string, number>;
interface MetricsAnswer {
  generatedAt: string;
  windows: Record<string, { providers: Record<string, Metrics>; totals: Metrics }>;
  queue: Record<string, unknown>;
}

const COLUMNS: [string, string][] = [
  ["webhooksAccepted", "Webhooks accepted"],
  ["webhooksRejectedSignature", "Bad signature"],
  ["webhooksRejectedOther", "Rejected (other)"],
  ["webhooksFailedProcessing", "Failed processing"],
  ["syncRunsOk", "Syncs ok"],
  ["syncRunsError", "Syncs failed"],
  ["jobsRetried", "Job retries"],
  ["serverErrors", "5xx"],
];

function Ops() {
  return (
    <>
      <PageTitle>Ops status</PageTitle>
      <Readiness />
      <Switches />
      <SwitchHistory />
      <MetricsView />
    </>
  );
}

function Readiness() {
  const q = useQuery({
    queryKey: ["ready"],
    queryFn: async () => {
      // 503 still carries the per-check answer: show it rather than a bare error.
      try {
        return await api<{ status: string; checks: Record<string, Check> }>("/api/health/ready");
      } catch (err) {
        if (err instanceof ApiError && err.status === 503)
          return { status: "not_ready", checks: {} as Record<string, Check>, error: err.message };
        throw err;
      }
    },
    refetchInterval: 15_000,
  });
  return (
    <section aria-labelledby="ready-title">
      <h2 id="ready-title">Readiness</h2>
      {q.isLoading ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} retry={() => q.refetch()} />
      ) : (
        <>
          <p
            className={`banner ${q.data!.status === "ready" ? "banner-info" : "banner-error"}`}
            data-testid="readiness"
          >
            {q.data!.status === "ready" ? "Ready" : "Not ready"}
          </p>
          <ul className="checks-list">
            {Object.entries(q.data!.checks).map(([name, c]) => (
              <li key={name}>
                <span className={`pill ${c.ok ? "pill-active" : "pill-failed"}`}>{c.ok ? "ok" : "failing"}</span> {name}
                {c.latencyMs !== undefined ? ` · ${c.latencyMs} ms` : ""}
                {c.mode ? ` · ${c.mode}` : ""}
                {c.note ? ` · ${c.note}` : ""}
                {c.error ? ` · ${c.error}` : ""}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Switches() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ["switches"], queryFn: () => api<{ switches: Switch[] }>("/api/admin/switches") });
  const [error, setError] = useState("");
  const flip = useMutation({
    mutationFn: (s: { name: string; enabled: boolean; reason?: string }) =>
      api(`/api/admin/switches/${encodeURIComponent(s.name)}`, {
        method: "PUT",
        body: { enabled: s.enabled, ...(s.reason ? { reason: s.reason } : {}) },
      }),
    onMutate: () => setError(""),
    onError: (e) => setError(messageOf(e)),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: ["switches"] });
      void qc.invalidateQueries({ queryKey: ["switch-history"] });
    },
  });
  return (
    <section aria-labelledby="switches-title">
      <h2 id="switches-title">Switches</h2>
      <p className="muted small">
        Turning a cron or provider off stops it on every replica within seconds. Give a reason: it is recorded.
      </p>
      <p className="msg msg-error" role="alert">
        {error}
      </p>
      {q.isLoading ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} retry={() => q.refetch()} />
      ) : (
        <ul className="switches">
          {q.data!.switches.map((s) => (
            <li key={s.name}>
              <label className="switch">
                <input
                  type="checkbox"
                  role="switch"
                  checked={s.enabled}
                  disabled={flip.isPending}
                  onChange={(e) => {
                    const enabled = e.target.checked;
                    const reason = enabled ? undefined : (prompt(`Why turn off ${s.name}?`) ?? undefined);
                    flip.mutate({ name: s.name, enabled, reason });
                  }}
                />
                <span>{s.name}</span>
              </label>
              <span className="muted small">
                {" "}
                {s.enabled ? "on" : "off"}
                {s.reason ? ` — ${s.reason}` : ""}
                {s.updatedBy ? ` (${s.updatedBy}, ${fmtAgo(s.updatedAt)})` : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Who changed which switch, when, why, from what to what (newest first; read-only). */
function SwitchHistory() {
  const q = useQuery({
    queryKey: ["switch-history"],
    queryFn: () => api<{ changes: SwitchChange[] }>("/api/admin/switches/history?limit=20"),
  });
  const state = (on: boolean) => (on ? "on" : "off");
  return (
    <section aria-labelledby="switch-history-title">
      <h2 id="switch-history-title">Switch history</h2>
      {q.isLoading ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} retry={() => q.refetch()} />
      ) : q.data!.changes.length === 0 ? (
        <p className="muted small">No switch has been changed yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="switch-history">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Switch</th>
                <th scope="col">Change</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {q.data!.changes.map((c) => (
                <tr key={c.id}>
                  <td title={c.at}>{fmtAgo(c.at)}</td>
                  <td>{c.name}</td>
                  <td>
                    {state(c.before.enabled)} → {state(c.after.enabled)}
                  </td>
                  <td>{c.by}</td>
                  <td>{c.reason ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function MetricsView() {
  const [win, setWin] = useState("1h");
  const q = useQuery({
    queryKey: ["metrics"],
    queryFn: () => api<MetricsAnswer>("/api/admin/metrics"),
    refetchInterval: 30_000,
  });
  const w = q.data?.windows[win];
  return (
    <section aria-labelledby="metrics-title">
      <h2 id="metrics-title">Hypercare metrics</h2>
      <div className="field inline">
        <label htmlFor="metrics-window">Window</label>
        <select id="metrics-window" value={win} onChange={(e) => setWin(e.target.value)}>
          <option value="15m">Last 15 minutes</option>
          <option value="1h">Last hour</option>
          <option value="24h">Last 24 hours</option>
        </select>
      </div>
      {q.isLoading ? (
        <Loading />
      ) : q.isError ? (
        <ErrorBox error={q.error} retry={() => q.refetch()} />
      ) : w ? (
        <>
          <div className="table-wrap">
            <table data-testid="metrics">
              <caption className="sr-only">Per provider, {win}</caption>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  {COLUMNS.map(([, l]) => (
                    <th key={l} scope="col">
                      {l}
                    </th>
                  ))}
                  <th scope="col">Sync success</th>
                </tr>
              </thead>
              <tbody>
                {[...Object.entries(w.providers), ["total", w.totals] as [string, Metrics]].map(([p, m]) => {
                  const runs = (m.syncRunsOk ?? 0) + (m.syncRunsError ?? 0);
                  return (
                    <tr key={p} className={p === "total" ? "total" : ""}>
                      <th scope="row">{p}</th>
                      {COLUMNS.map(([k]) => (
                        <td
                          key={k}
                          className={
                            (k === "webhooksRejectedSignature" ||
                              k === "serverErrors" ||
                              k === "webhooksFailedProcessing") &&
                            (m[k] ?? 0) > 0
                              ? "bad"
                              : ""
                          }
                        >
                          {m[k] ?? 0}
                        </td>
                      ))}
                      <td>{runs ? `${Math.round(((m.syncRunsOk ?? 0) / runs) * 100)}%` : "—"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <h3>Queue</h3>
          <p data-testid="queue">
            {Object.entries(q.data!.queue)
              .map(([k, v]) => `${k}: ${String(v)}`)
              .join(" · ")}
          </p>
          <p className="muted small">Generated {fmtAgo(q.data!.generatedAt)}.</p>
        </>
      ) : null}
    </section>
  );
}
