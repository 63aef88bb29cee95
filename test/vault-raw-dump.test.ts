import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase, pgliteDirFor } from "@/db/client";
import { installTestDatabase, uninstallTestDatabase } from "@/test/support/db";
import { applyMigrations } from "@/db/migrate";
import { revealSecret, storeSecret } from "@/lib/vault/secret-store";
import { useTemporaryPortalEnv } from "@/test/support/portal-env";

const { dataDir } = useTemporaryPortalEnv({ PORTAL_MASTER_KEY: "" });
delete process.env.PORTAL_MASTER_KEY;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

const secretsUsed = ["Upstream-Pa55word-Canary-7781", "second secret canary: Δ unicode ✓"];

describe("the embedded database at rest", () => {
  it("holds no secret anywhere in its files, and vault:rotate keeps them readable", async () => {
    const owner = { kind: "partner_account" as const, id: crypto.randomUUID() };
    let handle = await openDatabase({ pgliteDir: pgliteDirFor(dataDir) });
    await applyMigrations(handle);
    installTestDatabase(handle);
    await storeSecret(owner, "upstream_password", secretsUsed[0], null);
    await storeSecret({ ...owner, id: crypto.randomUUID() }, "upstream_password", secretsUsed[1], null);
    await handle.raw.exec("CHECKPOINT");
    await handle.raw.close();
    uninstallTestDatabase();

    const files = filesUnder(pgliteDirFor(dataDir));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = fs.readFileSync(file);
      for (const secret of secretsUsed) expect(bytes.includes(Buffer.from(secret, "utf8")), `${secret} in ${file}`).toBe(false);
    }

    // The operator's command, with no portal running: new master key, every secret re-wrapped.
    const unusedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const output = execFileSync(process.execPath, [require.resolve("tsx/cli"), "--require", "./scripts/server-only-shim.cjs", "scripts/vault-rotate.ts"], {
      // The embedded database of this test, even when the suite itself runs on PostgreSQL.
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(unusedPort), PORTAL_MASTER_KEY: "", DATABASE_URL: "" },
      encoding: "utf8",
    });
    expect(output).toMatch(/New master key [0-9a-f]{16} is now active/);
    expect(output).toMatch(/Re-wrapped 2 secret\(s\).*0 remain/);

    handle = await openDatabase({ pgliteDir: pgliteDirFor(dataDir) });
    installTestDatabase(handle);
    const { resetEnvCache } = await import("@/lib/env");
    resetEnvCache();
    expect(await revealSecret(owner, "upstream_password")).toBe(secretsUsed[0]);
    await handle.raw.close();
    uninstallTestDatabase();
  });
});
