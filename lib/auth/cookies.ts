import "server-only";
import { env } from "@/lib/env";

export interface CookieFlags {
  httpOnly: true;
  sameSite: "lax";
  path: "/";
  secure: boolean;
}

/** Secure whenever the portal is served over HTTPS; plain http is only for localhost development and tests. */
export function cookieFlags(publicUrl = env().PUBLIC_URL): CookieFlags {
  return { httpOnly: true, sameSite: "lax", path: "/", secure: new URL(publicUrl).protocol === "https:" };
}

/**
 * Auth.js' cookies, configured explicitly rather than left to its defaults: HttpOnly, SameSite=Lax,
 * Secure under HTTPS (with the __Secure-/__Host- prefixes browsers enforce).
 */
export function authCookies(publicUrl = env().PUBLIC_URL) {
  const options = cookieFlags(publicUrl);
  const prefix = options.secure ? "__Secure-" : "";
  return {
    sessionToken: { name: `${prefix}authjs.session-token`, options },
    callbackUrl: { name: `${prefix}authjs.callback-url`, options },
    csrfToken: { name: `${options.secure ? "__Host-" : ""}authjs.csrf-token`, options },
  };
}

/** The pending sign-in's token between the password step and the code step. */
export function pendingSignInCookie(publicUrl = env().PUBLIC_URL) {
  const options = cookieFlags(publicUrl);
  return { name: options.secure ? "__Host-portal.pending-sign-in" : "portal.pending-sign-in", options };
}

/**
 * The "known device" proof (lib/auth/known-device.ts), set after each successful sign-in and kept
 * across sign-outs; HttpOnly and SameSite=Lax like every portal cookie, Secure under HTTPS.
 */
export function knownDeviceCookie(publicUrl = env().PUBLIC_URL) {
  const options = cookieFlags(publicUrl);
  return { name: options.secure ? "__Host-portal.known-device" : "portal.known-device", options };
}
