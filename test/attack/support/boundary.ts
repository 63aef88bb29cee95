import type { ActionState } from "@/lib/auth/action-state";
import { initialActionState } from "@/lib/auth/action-state";

/**
 * The one thing the attack suite fakes: which server-side session the request's cookie named
 * (Auth.js decodes the cookie; here the test says which session row it points at). Everything
 * after that — the session row lookup, the actor, the role checks, the data-access layer — is the
 * real code on a real database. Test files mock "@/lib/auth/auth" and "next/headers" with
 * `authBoundaryMocks` (see authorization-matrix.test.ts).
 */
export const boundary: { sessionId: string | null; ip: string } = { sessionId: null, ip: "203.0.113.7" };

export function asSession<T>(sessionId: string | null, run: () => Promise<T> | T): Promise<T> {
  const previous = boundary.sessionId;
  boundary.sessionId = sessionId;
  return Promise.resolve()
    .then(run)
    .finally(() => (boundary.sessionId = previous));
}

export type ServerAction = (previous: ActionState, formData: FormData) => Promise<ActionState>;

export function formOf(values: Record<string, string | undefined>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) form.set(key, value);
  return form;
}

/** Runs an action like a form post; a redirect (thrown by Next.js) is reported as such. */
export async function callAction(action: ServerAction, sessionId: string | null, values: Record<string, string | undefined> = {}): Promise<ActionState & { redirectedTo?: string }> {
  return asSession(sessionId, async () => {
    try {
      return await action(initialActionState, formOf(values));
    } catch (error) {
      const digest = (error as { digest?: string }).digest;
      if (typeof digest === "string" && digest.startsWith("NEXT_REDIRECT")) return { status: "ok", redirectedTo: digest.split(";")[2] };
      throw error;
    }
  });
}
