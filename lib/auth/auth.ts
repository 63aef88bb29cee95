import "server-only";
import { cookies } from "next/headers";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { PENDING_SIGN_IN_MINUTES } from "@/lib/auth/pending-sign-ins";
import { revokeSession } from "@/lib/auth/sessions";
import { env } from "@/lib/env";
import { logger } from "@/lib/logger";
import { authenticate, signInSchema } from "@/lib/auth/authenticate";
import { authCookies, knownDeviceCookie, pendingSignInCookie } from "@/lib/auth/cookies";
import { KNOWN_DEVICE_DAYS } from "@/lib/auth/known-device";
import { clientIpFrom, userAgentFrom } from "@/lib/auth/request-meta";
import { completeSecondStep, secondStepSchema } from "@/lib/auth/second-factor";

/** The code travels to the form that called signIn, which turns it into a message. */
class SignInRefused extends CredentialsSignin {
  constructor(code: string) {
    super();
    this.code = code;
  }
}

/**
 * One Credentials provider, two shapes, never both: {email, password} for a user without two-factor
 * sign-in (plus a code while the account asks for one, see "device_required" in
 * lib/auth/authenticate.ts), or {pendingToken, code} to finish a pending sign-in. For a user with two-factor (or who
 * must enrol) the password shape ends in a refusal plus a pending-sign-in cookie, never a session,
 * whoever calls the callback endpoint.
 */
async function authorize(credentials: Partial<Record<string, unknown>>, request: Request) {
  const deviceCookie = knownDeviceCookie();
  // Read from the request itself: the cookie store is only touched to set cookies, as before.
  const meta = { ip: clientIpFrom(request.headers), userAgent: userAgentFrom(request.headers), knownDevice: cookieFromHeader(request.headers.get("cookie"), deviceCookie.name) };
  // Every successful sign-in (re)marks this browser as a known device of the account.
  const signedIn = async (outcome: { userId: string; sessionId: string; knownDevice: string }) => {
    (await cookies()).set(deviceCookie.name, outcome.knownDevice, { ...deviceCookie.options, maxAge: KNOWN_DEVICE_DAYS * 86_400 });
    return { id: outcome.userId, sessionId: outcome.sessionId };
  };
  if (credentials.pendingToken !== undefined) {
    const parsed = secondStepSchema.safeParse(credentials);
    if (!parsed.success) throw new SignInRefused("invalid_code:5");
    const outcome = await completeSecondStep(parsed.data, meta);
    if (outcome.ok) {
      (await cookies()).delete(pendingSignInCookie().name);
      return signedIn(outcome);
    }
    if (outcome.reason === "locked") throw new SignInRefused(`locked:${outcome.until.toISOString()}`);
    if (outcome.reason === "invalid") throw new SignInRefused(`invalid_code:${outcome.attemptsLeft}`);
    // The cookie stays: its token now points at a burned or expired row and opens nothing, and
    // keeping it lets the form explain what happened instead of the page re-rendering blank.
    throw new SignInRefused(outcome.reason);
  }

  const parsed = signInSchema.safeParse(credentials);
  if (!parsed.success) throw new SignInRefused("invalid");
  const outcome = await authenticate(parsed.data, meta);
  if (outcome.ok) return signedIn(outcome);
  if (outcome.reason === "second_factor") {
    const cookie = pendingSignInCookie();
    (await cookies()).set(cookie.name, outcome.pendingToken, { ...cookie.options, maxAge: PENDING_SIGN_IN_MINUTES * 60 });
    throw new SignInRefused(`second_factor:${outcome.step}`);
  }
  if (outcome.reason === "locked") throw new SignInRefused(`locked:${outcome.until.toISOString()}`);
  if (outcome.reason === "device_required") throw new SignInRefused(`device_required:${outcome.until.toISOString()}`);
  // The one-time reset link of a right generated first password; the sign-in form sends the browser there.
  if (outcome.reason === "password_change_required") throw new SignInRefused(`password_change:${outcome.resetToken}`);
  throw new SignInRefused(outcome.reason === "password_reset_required" ? "password_reset_required" : "invalid");
}

/** One cookie's value from a Cookie header (values the portal sets are URL-safe, so no decoding). */
function cookieFromHeader(header: string | null, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  trustHost: true,
  // The cookie lives as long as the absolute lifetime; idle and absolute expiry are enforced on the
  // server against the sessions table (lib/auth/sessions.ts).
  session: { strategy: "jwt", maxAge: env().SESSION_ABSOLUTE_HOURS * 60 * 60 },
  cookies: authCookies(),
  pages: { signIn: "/sign-in", error: "/sign-in" },
  // Refused sign-ins are expected answers (and audited); only real failures go to the log.
  logger: {
    error(error) {
      if (error instanceof CredentialsSignin || error.name === "CredentialsSignin") return;
      logger.error("auth error", { error });
    },
    warn(code) {
      logger.warn("auth warning", { code });
    },
    debug() {},
  },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" }, pendingToken: {}, code: { label: "Code" } },
      authorize,
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      // The cookie carries only the user id and the server-side session id; everything else is
      // read from the database on every request, so revocation takes effect immediately.
      if (user) {
        token.sub = user.id;
        token.sid = (user as { sessionId?: string }).sessionId;
        delete token.email;
        delete token.name;
        delete token.picture;
      }
      return token;
    },
    session({ session, token }) {
      return { ...session, sessionId: token.sid as string | undefined, user: { id: token.sub } } as unknown as typeof session;
    },
  },
  events: {
    async signOut(message) {
      const sid = "token" in message ? (message.token?.sid as string | undefined) : undefined;
      if (sid) await revokeSession(sid);
    },
  },
});
