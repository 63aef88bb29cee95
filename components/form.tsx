"use client";

import { useId } from "react";
import { useFormStatus } from "react-dom";
import type { ActionState } from "@/lib/auth/action-state";

/**
 * A field's id: the given one, or its name plus an id unique on the page. The name alone collided
 * where two forms on one page share a field (the Account page's "Change password" and the API token
 * form's identity check both have currentPassword), and the second label then named the first input.
 */
function useFieldId(givenId: string | undefined, name: string): string {
  const unique = useId();
  return givenId ?? `field-${name}-${unique.replace(/[^\w-]/g, "")}`;
}

export function Field({
  name,
  label,
  type = "text",
  state,
  hint,
  autoComplete,
  required,
  defaultValue,
  placeholder,
  id: givenId,
}: {
  id?: string;
  name: string;
  label: string;
  type?: string;
  state: ActionState;
  hint?: string;
  autoComplete?: string;
  required?: boolean;
  defaultValue?: string;
  placeholder?: string;
}) {
  const error = state.fieldErrors?.[name];
  const id = useFieldId(givenId, name);
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const isSecret = type === "password";
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        name={name}
        type={type}
        required={required}
        autoComplete={autoComplete}
        placeholder={placeholder}
        defaultValue={isSecret ? undefined : (state.values?.[name] ?? defaultValue)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        className={`block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-100 ${
          error ? "border-red-500" : "border-slate-300"
        }`}
      />
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function TextArea({ id: givenId, name, label, state, hint, required, rows = 3, defaultValue }: { id?: string; name: string; label: string; state: ActionState; hint?: string; required?: boolean; rows?: number; defaultValue?: string }) {
  const error = state.fieldErrors?.[name];
  const id = useFieldId(givenId, name);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={rows}
        required={required}
        defaultValue={state.values?.[name] ?? defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        className={`block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-100 ${error ? "border-red-500" : "border-slate-300"}`}
      />
      {hint ? <p id={`${id}-hint`} className="text-xs text-slate-500">{hint}</p> : null}
      {error ? <p id={`${id}-error`} className="text-sm text-red-700">{error}</p> : null}
    </div>
  );
}

export function SubmitButton({ children, variant = "primary" }: { children: React.ReactNode; variant?: "primary" | "danger" | "secondary" }) {
  const { pending } = useFormStatus();
  const styles = {
    primary: "bg-brand-600 text-white hover:bg-brand-700",
    danger: "bg-red-600 text-white hover:bg-red-700",
    secondary: "bg-white text-slate-800 border border-slate-300 hover:bg-slate-50",
  }[variant];
  return (
    <button type="submit" disabled={pending} aria-disabled={pending} className={`inline-flex items-center rounded-md px-4 py-2 text-sm font-semibold shadow-sm disabled:opacity-60 ${styles}`}>
      {pending ? "Working…" : children}
    </button>
  );
}

export function FormMessage({ state }: { state: ActionState }) {
  if (!state.message) return null;
  const ok = state.status === "ok";
  return (
    <div role={ok ? "status" : "alert"} className={`rounded-md border px-3 py-2 text-sm ${ok ? "border-green-300 bg-green-50 text-green-900" : "border-red-300 bg-red-50 text-red-900"}`}>
      {state.message}
    </div>
  );
}

export function SelectField({
  name,
  label,
  state,
  options,
  hint,
  defaultValue,
  id: givenId,
}: {
  id?: string;
  name: string;
  label: string;
  state: ActionState;
  options: Array<{ value: string; label: string }>;
  hint?: string;
  defaultValue?: string;
}) {
  const error = state.fieldErrors?.[name];
  const id = useFieldId(givenId, name);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select
        id={id}
        name={name}
        defaultValue={state.values?.[name] ?? defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
        className={`block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm ${error ? "border-red-500" : "border-slate-300"}`}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint ? <p id={`${id}-hint`} className="text-xs text-slate-500">{hint}</p> : null}
      {error ? <p id={`${id}-error`} className="text-sm text-red-700">{error}</p> : null}
    </div>
  );
}
