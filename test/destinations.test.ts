import { describe, expect, it } from "vitest";
import { getDb } from "@/db/client";
import { partnerAccounts } from "@/db/schema";
import { createDestination, getDestination, listDestinations, normaliseFingerprint, pinFingerprint, updateDestination } from "@/lib/destinations/service";
import { destinationPresets } from "@/lib/destinations/presets";
import { destinationFormSchema } from "@/lib/destinations/form-schema";
import { resetEnvCache } from "@/lib/env";
import { isPrivateAddress, validateDestinationHost } from "@/lib/net/validate-host";
import { deliverToDestination } from "@/lib/transfers/delivery/engine";
import { Transcript } from "@/lib/transfers/transcript";
import { toDestinationSpec } from "@/lib/destinations/spec";
import { ForbiddenError, NotFoundError } from "@/lib/errors";
import { partnerIn, staff } from "@/test/support/factories";
import { withTestDatabase } from "@/test/support/db";

withTestDatabase();
const preset = destinationPresets[0].values;

describe("destinations", () => {
  it("the presets are valid destination forms", () => {
    for (const p of destinationPresets) expect(destinationFormSchema.safeParse(p.values).success, p.id).toBe(true);
  });

  it("only admins create them; a changed server loses its pins", async () => {
    const { actor: admin } = await staff("admin");
    const { actor: support } = await staff("support");
    await expect(createDestination(support, preset)).rejects.toBeInstanceOf(ForbiddenError);
    const created = await createDestination(admin, preset, "fl-edi-sftp");
    await pinFingerprint(admin, created.id, "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8");
    expect((await getDestination(admin, created.id)).hostKeyFingerprints).toEqual(["SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"]);
    expect(await updateDestination(admin, created.id, { ...preset, remoteDir: "/claims" })).toEqual({ pinsCleared: false });
    expect(await updateDestination(admin, created.id, { ...preset, host: "sftp2.payer.example" })).toEqual({ pinsCleared: true });
    expect((await getDestination(admin, created.id)).hostKeyFingerprints).toEqual([]);
  });

  it("normalises pasted fingerprints and refuses malformed ones", () => {
    expect(normaliseFingerprint("tls", "ab".repeat(32))).toBe(Array(32).fill("AB").join(":"));
    expect(() => normaliseFingerprint("ssh", "MD5:aa:bb")).toThrow(/SHA256/);
    expect(() => normaliseFingerprint("tls", "1234")).toThrow(/64 hex digits/);
  });

  it("partners see only destinations they have an account on", async () => {
    const { actor: admin } = await staff("admin");
    const mine = await createDestination(admin, { ...preset, name: "Mine" });
    const theirs = await createDestination(admin, { ...preset, name: "Theirs" });
    const partner = await partnerIn();
    const db = await getDb();
    await db.insert(partnerAccounts).values({ organisationId: partner.organisation.id, destinationId: mine.id, username: "me" });
    expect((await listDestinations(partner.actor)).map((d) => d.id)).toEqual([mine.id]);
    await expect(getDestination(partner.actor, theirs.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("destination address validation", () => {
  it("classifies private, loopback, link-local and metadata addresses", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "fd00:ec2::254"]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ["158.229.250.41", "185.131.229.130", "2001:4860:4860::8888"]) expect(isPrivateAddress(address), address).toBe(false);
  });

  it("refuses a private-address destination unless the sandbox switch is on", async () => {
    await expect(validateDestinationHost("169.254.169.254", 22, { allowPrivate: false })).rejects.toMatchObject({ code: "DESTINATION_BLOCKED" });
    await expect(validateDestinationHost("localhost", 22, { allowPrivate: false })).rejects.toMatchObject({ code: "DESTINATION_BLOCKED" });
    await expect(validateDestinationHost("127.0.0.1", 22, { allowPrivate: true })).resolves.toMatchObject({ address: "127.0.0.1" });
  });

  it("the engine itself refuses to connect to a private address", async () => {
    const previous = process.env.ALLOW_PRIVATE_DESTINATIONS;
    process.env.ALLOW_PRIVATE_DESTINATIONS = "false";
    resetEnvCache();
    try {
      const destination = toDestinationSpec({
        ...(await createDestination((await staff("admin")).actor, { ...preset, host: "10.0.0.5", name: "Internal" })),
      });
      await expect(
        deliverToDestination({ destination, credentials: { username: "x", password: "y" }, localPath: "/dev/null", remoteName: "A.TXT", transcript: new Transcript() }),
      ).rejects.toMatchObject({ code: "DESTINATION_BLOCKED" });
    } finally {
      process.env.ALLOW_PRIVATE_DESTINATIONS = previous;
      resetEnvCache();
    }
  });
});
