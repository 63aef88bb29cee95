import { BenchFailure } from "../shared/errors";

/** Cookies as a browser would keep them for one origin (name → value; no paths or expiry needed here). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      if (at > 0) this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  has(suffix: string): boolean {
    return [...this.cookies.keys()].some((name) => name.endsWith(suffix));
  }
}

/**
 * Sign in the way the sign-in form does, through Auth.js' credentials endpoint: fetch the CSRF
 * token (and its cookie), post it with the email and password, keep the session cookie.
 * Returns the Cookie header to send with later requests.
 */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const jar = new CookieJar();
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`);
  if (!csrfResponse.ok) throw new BenchFailure(`GET /api/auth/csrf answered ${csrfResponse.status}`, await csrfResponse.text());
  jar.take(csrfResponse);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };

  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${baseUrl}/` }),
  });
  jar.take(response);
  const location = response.headers.get("location") ?? "";
  if (!jar.has("authjs.session-token") || /[?&]error=/.test(location)) {
    throw new BenchFailure(`signing in as ${email} failed (status ${response.status}, redirect to ${location.replace(/^https?:\/\/[^/]+/, "") || "nowhere"})`, "");
  }
  return jar.header();
}
