import "server-only";
import net from "node:net";
import { env } from "@/lib/env";
import { validateDestinationHost } from "@/lib/net/validate-host";
import { isTransferError } from "@/lib/transfers/errors";
import type { ValidatedTarget } from "@/lib/transfers/types";

export class WebhookUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookUrlError";
  }
}

/** The parts of a webhook URL the sender uses. Only https, no user name or password in the URL. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new WebhookUrlError("Enter a full address starting with https://, e.g. https://hooks.example.com/edi-portal.");
  }
  if (url.protocol !== "https:") throw new WebhookUrlError("Webhooks are sent over HTTPS only: use an address starting with https://.");
  if (url.username || url.password) throw new WebhookUrlError("Leave user names and passwords out of the address; verify our signature header instead.");
  if (url.hash) throw new WebhookUrlError("Remove the #fragment from the address.");
  if (url.toString().length > 2000) throw new WebhookUrlError("That address is too long (2,000 characters at most).");
  return url;
}

export function hostOf(url: URL): string {
  // URL keeps IPv6 literals in brackets; DNS and net want them bare.
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host once and refuses every address that is not public (the same rule as
 * destinations: lib/net/address-policy.ts), unless ALLOW_PRIVATE_DESTINATIONS. The request then
 * connects to exactly this address.
 */
export async function resolveWebhookTarget(url: URL): Promise<ValidatedTarget> {
  const host = hostOf(url);
  const port = url.port ? Number(url.port) : 443;
  try {
    return await validateDestinationHost(host, port, { allowPrivate: env().ALLOW_PRIVATE_DESTINATIONS });
  } catch (error) {
    if (isTransferError(error) && error.code === "DESTINATION_BLOCKED") {
      throw new WebhookUrlError(`${error.detail ?? `${host} is not a public address`}. Webhooks go to public HTTPS servers only.`);
    }
    if (isTransferError(error) && error.code === "DNS_FAILED") throw new WebhookUrlError(`The host name ${host} could not be resolved. Check the spelling.`);
    throw error;
  }
}

export function isIpLiteral(host: string): boolean {
  return net.isIP(host) !== 0;
}
