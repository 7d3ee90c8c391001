// Form helpers shared by the screens: zod issues and API 400s become per-field messages.
import type { z } from "zod";
import { ApiError } from "./api.ts";

export type FieldErrors = Record<string, string>;

/** Validates with the API's own schema (the same messages the API would answer). */
export function check<T extends z.ZodType>(schema: T, value: unknown): { ok: true; data: z.output<T> } | { ok: false; fields: FieldErrors } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data };
  const fields: FieldErrors = {};
  for (const issue of r.error.issues) fields[issue.path.length ? issue.path.join(".") : "_"] ??= issue.message;
  return { ok: false, fields };
}

export const apiFields = (err: unknown): FieldErrors => (err instanceof ApiError ? err.fields : {});

/** Moves focus to the first invalid control of a form after its errors render. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
}
