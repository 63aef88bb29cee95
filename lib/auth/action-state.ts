/** What every server action returns to its form (consumed by useActionState). */
export interface ActionState {
  status: "idle" | "ok" | "error";
  message?: string;
  fieldErrors?: Record<string, string>;
  /** Submitted values echoed back so the form keeps them; secret fields are never included. */
  values?: Record<string, string>;
  /** Extra, non-secret results to show once (e.g. an invitation link). */
  data?: Record<string, string>;
}

export const initialActionState: ActionState = { status: "idle" };
