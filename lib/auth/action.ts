import "server-only";
import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import type { Actor } from "@/lib/auth/actor";
import { AppError, UserInputError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import type { ActionState } from "@/lib/auth/action-state";
import { authoriseSession, registerActionPolicy, type Access } from "@/lib/auth/action-policy";
import { clientIpFrom } from "@/lib/auth/request-meta";
import { currentActor } from "@/lib/auth/session";

export type { Access } from "@/lib/auth/action-policy";

interface ActionContext<A extends Access> {
  actor: A extends { public: true } ? Actor | null : Actor;
  ip: string | null;
}

function formToObject(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (key.startsWith("$ACTION")) continue; // Next.js internals
    if (typeof value === "string") values[key] = value;
  }
  return values;
}

/**
 * Every server action goes through here: parse with zod, load the actor from the session (checked
 * against the database), check the role, then run. Errors become a declared ActionState for
 * useActionState; secrets are never echoed back. Route handlers have the same wrapper with the same
 * access rules and registry: defineRoute in lib/http/define-route.ts.
 */
export function defineAction<S extends z.ZodType, A extends Access>(
  options: { schema: S; access: A; secretFields?: string[]; name: string },
  run: (input: z.infer<S>, context: ActionContext<A>) => Promise<ActionState | void>,
) {
  const secretFields = new Set(["password", "currentPassword", "newPassword", "confirmPassword", "totpCode", "code", ...(options.secretFields ?? [])]);
  const action = async function action(_previous: ActionState, formData: FormData): Promise<ActionState> {
    const raw = formToObject(formData);
    const values = Object.fromEntries(Object.entries(raw).filter(([key]) => !secretFields.has(key)));
    try {
      const ip = clientIpFrom(await headers());
      const actor = "public" in options.access ? await currentActor() : authoriseSession(await currentActor(), options.access);
      const parsed = options.schema.safeParse(raw);
      if (!parsed.success) {
        const fieldErrors: Record<string, string> = {};
        for (const issue of parsed.error.issues) {
          const field = String(issue.path[0] ?? "form");
          fieldErrors[field] ??= issue.message;
        }
        return { status: "error", message: "Please correct the highlighted fields.", fieldErrors, values };
      }
      const result = await run(parsed.data, { actor, ip } as ActionContext<A>);
      return result ?? { status: "ok", values };
    } catch (error) {
      unstable_rethrow(error);
      return { ...describeError(error, options.name), values };
    }
  };
  // The policy travels with the function, so the authorization matrix reads it from the code itself.
  registerActionPolicy(action, { name: options.name, access: options.access, schema: options.schema, secretFields: [...secretFields] });
  return action;
}

function describeError(error: unknown, actionName: string): ActionState {
  if (error instanceof z.ZodError) return { status: "error", message: error.issues[0]?.message ?? "Invalid input." };
  if (error instanceof UserInputError) {
    return error.field
      ? { status: "error", message: "Please correct the highlighted fields.", fieldErrors: { [error.field]: error.message } }
      : { status: "error", message: error.message };
  }
  // Every other answer on purpose (not found, forbidden, signed out, rate limited…) says what to do.
  if (error instanceof AppError && error.status < 500) return { status: "error", message: error.message };
  const reference = crypto.randomUUID().slice(0, 8);
  logger.error("action failed", { action: actionName, reference, error });
  return {
    status: "error",
    message: `Something went wrong on our side. Please try again; if it keeps happening, contact support and quote reference ${reference}.`,
  };
}
