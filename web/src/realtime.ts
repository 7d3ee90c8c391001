// Live updates: one WebSocket per signed-in tab (token from GET /api/realtime/token), events
// turned into query invalidations, reconnect with backoff (and a fresh token) when it drops.
import { useEffect, useState } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "./api.ts";

export type LiveState = "off" | "connecting" | "open" | "reconnecting";
interface LiveEvent {
  type: string;
  conversationId?: string;
  [k: string]: unknown;
}

function apply(qc: QueryClient, e: LiveEvent): void {
  if (e.type.startsWith("message.") || e.type === "conversation.updated" || e.type === "inbox.synced") {
    void qc.invalidateQueries({ queryKey: ["conversations"] });
    if (e.conversationId) {
      void qc.invalidateQueries({ queryKey: ["messages", e.conversationId] });
      void qc.invalidateQueries({ queryKey: ["conversation", e.conversationId] });
    }
  }
  if (e.type === "account.status" || e.type === "inbox.synced")
    void qc.invalidateQueries({ queryKey: ["integrations"] });
  if (e.type.startsWith("booking.") || e.type.startsWith("appointment.")) {
    void qc.invalidateQueries({ queryKey: ["requests"] });
    void qc.invalidateQueries({ queryKey: ["appointments"] });
  }
}

export function useRealtime(enabled: boolean): LiveState {
  const qc = useQueryClient();
  const [state, setState] = useState<LiveState>("off");
  useEffect(() => {
    if (!enabled) return setState("off");
    let ws: WebSocket | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let attempt = 0;
    let everOpen = false;

    const connect = async () => {
      setState(everOpen ? "reconnecting" : "connecting");
      try {
        const { token, path } = await api<{ token: string; path: string }>("/api/realtime/token");
        if (stopped) return;
        const proto = location.protocol === "https:" ? "wss:" : "ws:";
        ws = new WebSocket(`${proto}//${location.host}${path}?token=${encodeURIComponent(token)}`);
        ws.onmessage = (m) => {
          try {
            const e = JSON.parse(String(m.data)) as LiveEvent;
            if (e.type === "ready") {
              setState("open");
              // Anything missed while disconnected: refetch what is on screen.
              if (everOpen || attempt > 0) void qc.invalidateQueries();
              everOpen = true;
              attempt = 0;
            } else apply(qc, e);
          } catch {
            /* ignore malformed frames */
          }
        };
        ws.onclose = (e) => {
          // 4001: the server ended this session (signed out here or elsewhere, password changed):
          // re-ask who we are instead of reconnecting with a dead session.
          if (e.code === 4001) {
            setState("off");
            void qc.invalidateQueries({ queryKey: ["me"] });
          } else retry();
        };
      } catch {
        retry();
      }
    };
    const retry = () => {
      if (stopped) return;
      setState("reconnecting");
      attempt += 1;
      timer = setTimeout(connect, Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)));
    };
    const online = () => {
      if (ws?.readyState !== WebSocket.OPEN) {
        clearTimeout(timer);
        void connect();
      }
    };
    window.addEventListener("online", online);
    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener("online", online);
      if (ws) {
        ws.onclose = null;
        ws.close();
      }
    };
  }, [enabled, qc]);
  return state;
}
