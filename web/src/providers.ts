// The providers the server knows (GET /api/providers): names and letter marks come from each
// provider's meta.ts on the server, so a new provider shows up here without a web change.
import { useQuery } from "@tanstack/react-query";
import { api } from "./api.ts";

export interface ProviderSummary {
  id: string;
  label: string;
  kind: "channel" | "calendar" | "payments";
  mark?: string;
  shortName: string;
}

export function useProviders(): ProviderSummary[] {
  const q = useQuery({
    queryKey: ["providers"],
    queryFn: () => api<{ items: ProviderSummary[] }>("/api/providers"),
    staleTime: Infinity,
  });
  return q.data?.items ?? [];
}

/** Inbox channels, in listing order. */
export function useChannels(): ProviderSummary[] {
  return useProviders().filter((p) => p.kind === "channel");
}

/** "Messenger" for facebook; the id itself until the list has loaded. */
export function useChannelName(): (id: string) => string {
  const all = useProviders();
  return (id) => all.find((p) => p.id === id)?.shortName ?? id;
}
