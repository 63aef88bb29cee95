import type { z } from "zod";
import type { Role } from "@/lib/auth/roles";

export type Access =
  | { public: true }
  /** Any signed-in user, including a partner whose organisation is still pending. */
  | { signedIn: true }
  | { roles: Role[] };

/** What an action declares about itself: read by the authorization matrix (test/attack). */
export interface ActionPolicy {
  name: string;
  access: Access;
  schema: z.ZodType;
  secretFields: string[];
}

const policies = new WeakMap<object, ActionPolicy>();

export function registerActionPolicy(action: object, policy: ActionPolicy): void {
  policies.set(action, policy);
}

/** The declared policy of a server action built with defineAction, or undefined for anything else. */
export function actionPolicyOf(action: unknown): ActionPolicy | undefined {
  return typeof action === "function" ? policies.get(action) : undefined;
}
