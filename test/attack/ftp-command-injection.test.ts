import { describe, expect, it } from "vitest";
import { setUpstreamPassword } from "@/lib/partner-accounts/service";
import { getDb } from "@/db/client";
import { destinations, partnerAccounts } from "@/db/schema";
import { openFtpsSession } from "@/lib/ftps";
import { UserInputError } from "@/lib/errors";
import { Transcript } from "@/lib/transfers/transcript";
import { withTestDatabase } from "@/test/support/db";
import { partnerIn } from "@/test/support/factories";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";
import { closedPort } from "@/test/support/closed-port";
import { ftpsDestination, loopbackTarget } from "@/test/ftps-fixtures";

useTemporaryPortalEnv();
withTestDatabase();

/**
 * FTP commands end at CRLF: a line break in anything we put on a command line (user name,
 * password, directory, file names) would let the value smuggle a second command to the payer.
 */
const SMUGGLING = ["secret\r\nDELE claims.TXT", "secret\nRNTO x", "secret\rQUIT", "secret\u0000"];

describe("FTP command injection", () => {
  it("an upstream password with a line break or NUL is refused when it is entered", async () => {
    const { actor, organisation } = await partnerIn();
    const db = await getDb();
    const [destination] = await db.insert(destinations).values({ name: "FTPS payer", protocol: "ftps_explicit", host: "ftps.payer.example", port: 21, auth: "password" }).returning();
    const [account] = await db.insert(partnerAccounts).values({ organisationId: organisation.id, destinationId: destination.id, username: "clinic" }).returning();
    for (const password of SMUGGLING) {
      const error = await setUpstreamPassword(actor, account.id, password).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserInputError);
      expect((error as UserInputError).field).toBe("upstreamPassword");
      expect((error as Error).message).not.toContain("secret");
    }
  });

  it("the FTPS session refuses such a password, a user name or a directory before opening a connection, without repeating the password", async () => {
    const port = await closedPort();
    const destination = ftpsDestination({ mode: "explicit", port, tls: { mode: "ca" } });
    for (const password of SMUGGLING) {
      const error = (await openFtpsSession(destination, loopbackTarget(port), { username: "clinic", password }, new Transcript()).catch((e: Error) => e)) as Error;
      // Refused before the TCP connection (which would have failed with TCP_REFUSED on this closed port).
      expect(error).toMatchObject({ code: "CREDENTIALS_MISSING" });
      expect(JSON.stringify({ message: error.message, detail: (error as { detail?: string }).detail })).not.toContain("secret");
    }
    const badUser = (await openFtpsSession(destination, loopbackTarget(port), { username: "clinic\r\nDELE x", password: "fine" }, new Transcript()).catch((e: Error) => e)) as Error;
    expect(badUser.message).toMatch(/line break or NUL/);
  });
});
