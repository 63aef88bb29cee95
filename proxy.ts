import { NextResponse, type NextRequest } from "next/server";

/**
 * Only a convenience: browsers without a session cookie are sent to sign-in. Authorization never
 * happens here; every page, action and route checks the session and role in the data-access layer.
 * Upload routes are excluded because a proxy-matched request body is cut at 10 MB.
 */
const publicPaths = [/^\/sign-in/, /^\/register/, /^\/invite\//, /^\/forgot-password/, /^\/reset-password\//, /^\/api\//, /^\/_next\//, /^\/favicon/, /^\/apple-touch-icon\.png$/, /^\/brand\//];

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (publicPaths.some((pattern) => pattern.test(pathname))) return NextResponse.next();
  const hasSessionCookie = request.cookies.getAll().some((cookie) => cookie.name.endsWith("authjs.session-token"));
  if (!hasSessionCookie) return NextResponse.redirect(new URL("/sign-in", request.url));
  return NextResponse.next();
}

export const config = {
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"],
};
