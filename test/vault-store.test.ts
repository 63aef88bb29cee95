import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { secrets } from "@/db/schema";
import { revealSecret, rewrapAllSecrets, storeSecret } from "@/lib/vault/secret-store";
import { createNewMasterKey, retireMasterKey, loadKeyringFromEnv } from "@/lib/vault";
import { currentKeyring } from "@/lib/vault/runtime";
import { withTestDatabase } from "@/test/support/db";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

// Key-file mode (no PORTAL_MASTER_KEY), as in the embedded default.
const { dataDir } = useTemporaryPortalEnv({ PORTAL_MASTER_KEY: "" });
delete process.env.PORTAL_MASTER_KEY;
withTestDatabase();

const owner = (id: string) => ({ kind: "partner_account" as const, id });

describe("secrets in the database", () => {
  it("round-trips, and the first start creates a 0600 key file", async () => {
    const id = crypto.randomUUID();
    await storeSecret(owner(id), "upstream_password", "Seashell-Harbor-2026!", null);
    expect(await revealSecret(owner(id), "upstream_password")).toBe("Seashell-Harbor-2026!");
    const keyDir = path.join(dataDir, "vault-master-keys");
    const keyFile = fs.readdirSync(keyDir).find((f) => f.endsWith(".key"))!;
    expect(fs.statSync(path.join(keyDir, keyFile)).mode & 0o777).toBe(0o600);
  });

  it("a ciphertext moved to another owner's row does not open", async () => {
    const a = crypto.randomUUID();
    const b = crypto.randomUUID();
    await storeSecret(owner(a), "upstream_password", "password-of-a", null);
    await storeSecret(owner(b), "upstream_password", "password-of-b", null);
    const db = await getDb();
    const [rowA] = await db.select().from(secrets).where(eq(secrets.ownerId, a));
    await db.update(secrets).set({ sealed: rowA.sealed }).where(eq(secrets.ownerId, b));
    await expect(revealSecret(owner(b), "upstream_password")).rejects.toMatchObject({ code: "DECRYPT_FAILED" });
    await expect(revealSecret(owner(a), "upstream_password")).resolves.toBe("password-of-a");
  });

  it("rotation re-wraps every secret; all stay readable, before and after the old key is retired", async () => {
    const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
    for (const [i, id] of ids.entries()) await storeSecret(owner(id), "upstream_password", `secret-number-${i}`, null);
    const oldKeyId = currentKeyring().activeKeyId;
    const newKeyId = createNewMasterKey(dataDir);
    // Readable while nothing is re-wrapped yet.
    expect(await revealSecret(owner(ids[0]), "upstream_password")).toBe("secret-number-0");
    const result = await rewrapAllSecrets();
    // The row tampered with in the previous test is reported, and does not stop everyone else's rotation.
    expect(result).toMatchObject({ remaining: 1, activeKeyId: newKeyId });
    expect(result.unreadable).toHaveLength(1);
    expect(result.rewrapped).toBeGreaterThanOrEqual(6);
    const db = await getDb();
    expect((await db.select().from(secrets)).filter((row) => row.masterKeyId !== newKeyId).map((r) => r.id)).toEqual(result.unreadable);
    retireMasterKey(dataDir, oldKeyId);
    expect(loadKeyringFromEnv(dataDir).keyIds()).toEqual([newKeyId]);
    for (const [i, id] of ids.entries()) expect(await revealSecret(owner(id), "upstream_password")).toBe(`secret-number-${i}`);
  });

  it("a raw copy of the database contains none of the secrets", async () => {
    const marker = `raw-dump-canary-${crypto.randomUUID()}`;
    await storeSecret(owner(crypto.randomUUID()), "upstream_password", marker, null);
    const db = await getDb();
    const rows = await db.select().from(secrets);
    const everything = JSON.stringify(rows);
    expect(everything).not.toContain(marker);
    if (process.env.DATABASE_URL) {
      // A full pg_dump of the test database, searched as bytes.
      const { handle } = { handle: await import("@/db/client").then((m) => m.getDatabaseHandle()) };
      const [{ db: name }] = (await handle.raw.query<{ db: string }>("select current_database() as db")).rows;
      const url = new URL(process.env.DATABASE_URL);
      url.pathname = `/${name}`;
      const dump = execFileSync("pg_dump", ["--data-only", url.toString()], { maxBuffer: 256 * 1024 * 1024 });
      expect(dump.includes(Buffer.from(marker))).toBe(false);
      expect(dump.length).toBeGreaterThan(1000);
    }
  });
});
