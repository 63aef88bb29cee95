import "server-only";
import { env } from "@/lib/env";
import { validateDestinationHost } from "@/lib/net/validate-host";
import { UserInputError } from "@/lib/errors";
import { isTransferError } from "@/lib/transfers/errors";

/**
 * Checked when an admin saves a destination (and again by the engine before every connection):
 * a host that resolves to a private, loopback, link-local or metadata address is refused.
 * Returns a warning when the name does not resolve from here yet.
 */
export async function checkDestinationHost(host: string, port: number): Promise<string | undefined> {
  try {
    await validateDestinationHost(host, port, { allowPrivate: env().ALLOW_PRIVATE_DESTINATIONS });
    return undefined;
  } catch (error) {
    if (isTransferError(error) && error.code === "DESTINATION_BLOCKED") throw new UserInputError(error.message, "host");
    if (isTransferError(error) && error.code === "DNS_FAILED") {
      return `Saved, but ${host} does not resolve from the portal yet; transfers will fail until it does.`;
    }
    throw error;
  }
}
