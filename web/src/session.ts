// The signed-in user (GET /api/auth/me), shared by every screen through TanStack Query.
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, setCsrfToken } from "./api.ts";
import type { User } from "./types.ts";

export const ME_KEY = ["me"] as const;

export async function fetchMe(): Promise<User | null> {
  try {
    const r = await api<{ user: User; csrfToken?: string }>("/api/auth/me");
    setCsrfToken(r.csrfToken);
    return r.user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: fetchMe,
    staleTime: 60_000,
    retry: (n, err) => err instanceof ApiError && err.status === 0 && n < 2,
  });
}
