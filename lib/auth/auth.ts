import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { revokeSession } from "@/db/queries/sessions";
import { authenticate, signInSchema } from "./authenticate";
import { clientIpFrom, userAgentFrom } from "./request-meta";

class InvalidCredentials extends CredentialsSignin {
  code = "invalid";
}

class AccountLocked extends CredentialsSignin {
  constructor(until: Date) {
    super();
    // The code travels to the sign-in form, which tells the user when to try again.
    this.code = `locked:${until.toISOString()}`;
  }
}

class PasswordResetRequired extends CredentialsSignin {
  code = "password_reset_required";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  trustHost: true,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, request) {
        const parsed = signInSchema.safeParse(credentials);
        if (!parsed.success) throw new InvalidCredentials();
        const outcome = await authenticate(parsed.data, {
          ip: clientIpFrom(request.headers),
          userAgent: userAgentFrom(request.headers),
        });
        if (!outcome.ok) {
          if (outcome.reason === "locked") throw new AccountLocked(outcome.until);
          throw outcome.reason === "password_reset_required" ? new PasswordResetRequired() : new InvalidCredentials();
        }
        return { id: outcome.userId, sessionId: outcome.sessionId };
      },
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
