import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import { e2eCredentials } from "./credentials";
import { expect, test } from "./fixtures";

/** One password sign-in straight at the Auth.js endpoint: status, where it sends the browser, how long it took. */
async function attempt(api: APIRequestContext, email: string) {
  const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const started = performance.now();
  const response = await api.post("/api/auth/callback/credentials", { form: { email, password: "certainly not the password", csrfToken, callbackUrl: "/" }, maxRedirects: 0 });
  const elapsed = performance.now() - started;
  const setCookieNames = response
    .headersArray()
    .filter((h) => h.name.toLowerCase() === "set-cookie")
    .map((h) => h.value.split("=")[0])
    .sort();
  return { status: response.status(), location: response.headers().location, body: await response.text(), setCookieNames, elapsed };
}

test("sign-in answers an unknown email exactly like a known one: same status, redirect, body and cookies, similar time", async ({ baseURL }) => {
  const api = await playwrightRequest.newContext({ baseURL });
  const known = [];
  const unknown = [];
  // Interleaved, so a warming server favours neither side; three each stays under the lock-out.
  for (let i = 0; i < 3; i++) {
    known.push(await attempt(api, e2eCredentials.admin.email));
    unknown.push(await attempt(api, `nobody-${i}@nowhere.example`));
  }
  const shape = (a: Awaited<ReturnType<typeof attempt>>) => ({ status: a.status, location: a.location, body: a.body, cookies: a.setCookieNames });
  expect(unknown.map(shape)).toEqual(known.map(shape));
  expect(known[0].location).toMatch(/\/sign-in\?error=CredentialsSignin&code=invalid$/);
  // Both sides verify an argon2 hash (a dummy one for unknown emails). Skipping it would make one side
  // several times faster; a shared machine's noise stays well inside this factor, so the check is not flaky.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  const knownMs = median(known.map((a) => a.elapsed));
  const unknownMs = median(unknown.map((a) => a.elapsed));
  expect(unknownMs).toBeGreaterThan(knownMs / 3);
  expect(knownMs).toBeGreaterThan(unknownMs / 3);
  await api.dispose();
});
