import "server-only";
import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth/auth";

/** The code a refused Auth.js sign-in carries ("invalid", "locked:<iso>", "second_factor:verify", …). */
export function refusalCode(error: AuthError): string {
  return (error as AuthError & { code?: string }).code ?? "";
}

/**
 * Password sign-in from a server action. On success Auth.js redirects to `redirectTo`; when a second
 * factor is owed (the pending-sign-in cookie is set by then) the browser goes to the code page.
 * Otherwise returns the refusal code for the form to explain.
 */
export async function passwordSignIn(email: string, password: string, redirectTo: string): Promise<string> {
  let code = "";
  try {
    await signIn("credentials", { email, password, redirectTo });
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    code = refusalCode(error);
  }
  if (code.startsWith("second_factor")) redirect("/sign-in/two-factor");
  return code;
}
