/**
 * vitest global setup of the real-server tests (the "system servers" project in vitest.config.ts):
 * runs once in vitest's main process, before the first test file and after the last one.
 *
 * Before: removes temporary accounts (test/support/os-accounts.ts) left by a run that was killed.
 * After: removes any this run's workers left behind (a file whose servers were never stopped), and
 * /run/sshd if this run created it and no sshd is running any more. Accounts of another run going
 * on at the same time are left alone.
 */
import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { sshdIsRunning, sweepLeftoverAccounts } from "./os-accounts";

const PRIVSEP_DIR = "/run/sshd";

export default function setup(): () => void {
  const root = process.getuid?.() === 0;
  if (root) sweepLeftoverAccounts();
  const privsepDirExisted = existsSync(PRIVSEP_DIR);
  return () => {
    if (!root) return;
    sweepLeftoverAccounts({ alsoChildrenOf: process.pid });
    if (!privsepDirExisted && existsSync(PRIVSEP_DIR) && readdirSync(PRIVSEP_DIR).length === 0 && !sshdIsRunning()) rmdirSync(PRIVSEP_DIR);
  };
}
