// Form helpers shared by the screens: zod issues and API 400s become per-field messages.
import { useRef, useState } from "react";
import type { z } from "zod";
import { ApiError, messageOf } from "./api.ts";

export type FieldErrors = Record<string, string>;

/** Validates with the API's own schema (the same messages the API would answer). */
export function check<T extends z.ZodType>(
  schema: T,
  value: unknown,
): { ok: true; data: z.output<T> } | { ok: false; fields: FieldErrors } {
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

export interface StatusState {
  info?: string;
  error?: string;
}

/** What a form that posts to the API needs: field errors, a status line and a busy flag. */
export function useApiForm() {
  const form = useRef<HTMLFormElement>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [status, setStatus] = useState<StatusState>({});
  const [busy, setBusy] = useState(false);

  /**
   * Checks `input` with the API's schema: when invalid, shows the field errors (then
   * `onInvalid`) and focuses the first; when valid, runs `send` while busy. An error from
   * `send` shows the API's field errors and message (then `onError`).
   */
  async function submit<T extends z.ZodType>(
    schema: T,
    input: unknown,
    send: (data: z.output<T>) => Promise<void>,
    on: { onInvalid?: (fields: FieldErrors) => void; onError?: (err: unknown, data: z.output<T>) => void } = {},
  ): Promise<void> {
    setStatus({});
    const v = check(schema, input);
    if (!v.ok) {
      setFields(v.fields);
      on.onInvalid?.(v.fields);
      return focusFirstInvalid(form.current);
    }
    setFields({});
    setBusy(true);
    try {
      await send(v.data);
    } catch (err) {
      setFields(apiFields(err));
      setStatus({ error: messageOf(err) });
      on.onError?.(err, v.data);
    } finally {
      setBusy(false);
    }
  }

  return { form, fields, setFields, status, setStatus, busy, submit };
}
