/** Shared by the keys page's actions and forms (no server-only code here). */

export const REAUTH_EXPIRED_MESSAGE =
  "Your confirmation ran out (it lasts five minutes), so nothing was changed. Confirm it's you at the top of the page, then submit this form again.";

/** Private key material never goes back to the browser, even to the box it was pasted into. */
const PRIVATE_KEY_MARKERS = [/PRIVATE KEY/i, /PuTTY-User-Key-File/i, /Private-Lines:/i];

/** What a rejected public key form sends back so the text stays in its box: all of it, unless it is a private key. */
export function publicKeyEcho(text: string): { publicKey?: string } {
  return PRIVATE_KEY_MARKERS.some((marker) => marker.test(text)) ? {} : { publicKey: text };
}
