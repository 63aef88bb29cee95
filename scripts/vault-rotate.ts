/**
 * `npm run vault:rotate`: make a new master key active and re-wrap every stored secret's data key
 * under it, while the portal keeps running. Secrets under the old key stay readable throughout.
 *
 *   npm run vault:rotate                 new key (key-file mode) + re-wrap
 *   npm run vault:rotate -- --retire-old remove old key files once no secret needs them
 *
 * With PORTAL_MASTER_KEY (secret-manager mode) no key is created here: set the new key in
 * PORTAL_MASTER_KEY, list the old one in PORTAL_MASTER_KEY_PREVIOUS, restart, then run this to re-wrap.
 */
import { env } from "@/lib/env";
import { createNewMasterKey, loadKeyringFromEnv, retireMasterKey } from "@/lib/vault";
import { requestRewrap } from "@/lib/vault/internal-socket";
import { rewrapAndAudit } from "@/lib/vault/rewrap";
import { startRuntime } from "@/lib/runtime/start";

/** The configured database and the vault, in a runtime of this script's own (no job queues). */
async function withOwnRuntime<T>(work: () => Promise<T>): Promise<T> {
  const runtime = await startRuntime({ role: "script", config: env() });
  try {
    return await work();
  } finally {
    await runtime.stop();
  }
}

async function main() {
  const config = env();
  const retireOld = process.argv.includes("--retire-old");
  const envMode = Boolean(process.env.PORTAL_MASTER_KEY);

  if (!retireOld && !envMode) {
    const id = createNewMasterKey(config.DATA_DIR);
    console.log(`New master key ${id} is now active (key file in ${config.DATA_DIR}/vault-master-keys).`);
  }

  // The embedded database belongs to the running portal, so it does the re-wrap when it is up:
  // asked over its socket, DATA_DIR/internal.sock (no socket, or a stale one: no portal runs).
  const result = config.DATABASE_URL ? null : await requestRewrap(config.DATA_DIR);
  const final = result ?? (await withOwnRuntime(() => rewrapAndAudit("vault:rotate runtime")));
  console.log(`Re-wrapped ${final.rewrapped} secret(s) under master key ${final.activeKeyId}; ${final.remaining} remain under older keys.`);
  if (final.unreadable.length) console.error(`These secrets do not decrypt and were left unchanged (ask their owners to set them again): ${final.unreadable.join(", ")}`);

  if (retireOld) {
    if (envMode) {
      console.log("Secret-manager mode: remove the old value from PORTAL_MASTER_KEY_PREVIOUS yourself once remaining is 0.");
      return;
    }
    if (final.remaining > 0) {
      console.error("Some secrets are still under an old key; not retiring anything. Run the command again.");
      process.exit(1);
    }
    // remaining is 0: every secret is under the active key, so no other key is needed any more.
    const keyring = loadKeyringFromEnv(config.DATA_DIR);
    for (const id of keyring.keyIds()) {
      if (id !== keyring.activeKeyId) {
        retireMasterKey(config.DATA_DIR, id);
        console.log(`Retired old master key ${id}.`);
      }
    }
  } else {
    console.log("Old keys stay readable. When you have a backup of the new key, run: npm run vault:rotate -- --retire-old");
  }
}

main().catch((error) => {
  console.error(`Rotation failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
