import "server-only";
import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth/auth";

/** The code a refused Auth.js sign-in carries ("invalid", "locked:<iso>", "second_factor:verify", …). */
export function refusalCode(error: AuthError): string {
  return (error as AuthError & { code?: string }).code ?? "";
}

/**
 * Password sign-in from a server action (`totpCode`: the code some sign-ins ask to send with the
 * password, see "device_required" in lib/auth/authenticate.ts). On success Auth.js redirects to
 * `redirectTo`; when a second factor is owed (the pending-sign-in cookie is set by then) the browser
 * goes to the code page, and after a right generated first password to the page that replaces it.
 * Otherwise returns the refusal code for the form to explain.
 */
export async function passwordSignIn(email: string, password: string, redirectTo: string, totpCode?: string): Promise<string> {
  let code = "";
  try {
    await signIn("credentials", { email, password, ...(totpCode ? { code: totpCode } : {}), redirectTo });
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    code = refusalCode(error);
  }
  if (code.startsWith("second_factor")) redirect("/sign-in/two-factor");
  if (code.startsWith("password_change:")) redirect(`/reset-password/${encodeURIComponent(code.slice("password_change:".length))}?first=1`);
  return code;
}
