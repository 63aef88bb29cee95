import crypto from "node:crypto";
import { UPLOAD_ACCEPTED } from "./pages/unreachable-payer";
import fs from "node:fs";
import path from "node:path";
import { expect, test } from "./fixtures";
import { DestinationPage } from "./pages/destination-page";

const FTPS_DESTINATION = "Sandbox clearinghouse (FTPS explicit)";
const FTPS_ACCOUNT = `${FTPS_DESTINATION} (user sunshine)`;
const REASON = "The clearinghouse restored its incoming folder; sending the file again.";
const sandboxRoot = path.resolve(process.env.E2E_DATA_DIR ?? ".e2e-data", "sandbox");

async function setRemoteDirectory(adminPage: import("@playwright/test").Page, dir: string) {
  await new DestinationPage(adminPage).open(FTPS_DESTINATION);
  const settings = adminPage.getByRole("form", { name: "Destination settings" });
  await settings.getByLabel("Remote directory").fill(dir);
  await settings.getByRole("button", { name: "Save changes" }).click();
  await expect(settings.getByRole("status")).toContainText("Destination saved");
}

test("support re-queues a transfer that stopped, with a reason; it is delivered and the partner reads the reason", async ({ adminPage, partnerPage, supportPage }) => {
  const name = `CLAIMS-REQUEUE-${Date.now()}.X12`;
  const body = Buffer.from(`ISA*00*          *00*          *ZZ*000000050      *ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*T*:~REF*F8*${crypto.randomUUID()}~IEA*1*000000001~`);

  // The payer's folder is gone: the upload stops with "needs attention".
  await setRemoteDirectory(adminPage, "/folder-that-is-gone");
  try {
    await partnerPage.goto("/upload");
    await partnerPage.getByLabel("Send to").selectOption({ label: FTPS_ACCOUNT });
    await partnerPage.getByRole("radio", { name: "Test" }).check();
    await partnerPage.getByLabel("Choose files").setInputFiles({ name, mimeType: "text/plain", buffer: body });
    const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name });
    await expect(item.getByRole("status")).toContainText(UPLOAD_ACCEPTED, { timeout: 30_000 });
    await item.getByRole("link", { name: "Follow it" }).click();
    await expect(partnerPage.getByText("needs attention", { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(partnerPage.getByText(/REMOTE_DIR_NOT_FOUND/).first()).toBeVisible();
  } finally {
    // The payer fixed it (and the next tests need the folder back, whatever happened above).
    await setRemoteDirectory(adminPage, "/incoming");
  }

  // Support finds it by name and sends it again with a reason.
  await supportPage.goto(`/support/transfers?q=${encodeURIComponent(name)}`);
  await supportPage.getByRole("link", { name }).click();
  const requeue = supportPage.getByRole("form", { name: "Re-queue this transfer" });
  await requeue.getByLabel("Reason for re-queueing").fill("short");
  await requeue.getByRole("button", { name: "Re-queue transfer" }).click();
  await expect(requeue.getByText(/at least 10 characters/)).toBeVisible();
  await requeue.getByLabel("Reason for re-queueing").fill(REASON);
  await requeue.getByRole("button", { name: "Re-queue transfer" }).click();
  // Once queued, the form gives way to the record of what was done.
  await expect(supportPage.getByRole("region", { name: "Actions taken" })).toContainText(REASON);
  await expect(supportPage.getByText("delivered", { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  expect(fs.readFileSync(path.join(sandboxRoot, "ftps-root", "incoming", name)).equals(body)).toBe(true);

  // The partner sees the reason in the history list and on the transfer.
  await partnerPage.goto(`/history?q=${encodeURIComponent(name)}`);
  const row = partnerPage.getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("delivered");
  await expect(row).toContainText(`Re-queued: ${REASON}`);
  await row.getByRole("link", { name }).click();
  await expect(partnerPage.getByRole("region", { name: "Actions taken" })).toContainText(`re-queued by our support team: “${REASON}”`);
  await expect(partnerPage.getByRole("form", { name: "Re-queue this transfer" })).toHaveCount(0);

  // And it is in the audit log.
  await adminPage.goto("/admin/audit?action=transfer.requeued");
  await expect(adminPage.getByRole("row").filter({ hasText: name })).toContainText("support");
});

test("the partner sends a transfer that needs attention again from its page once the cause is fixed; no new upload", async ({ adminPage, partnerPage }) => {
  const name = `CLAIMS-RESEND-${Date.now()}.X12`;
  const body = Buffer.from(`ISA*00*          *00*          *ZZ*000000050      *ZZ*RECEIVER       *261121*1030*^*00501*000000001*0*T*:~REF*F8*${crypto.randomUUID()}~IEA*1*000000001~`);

  await setRemoteDirectory(adminPage, "/folder-that-is-gone");
  try {
    await partnerPage.goto("/upload");
    await partnerPage.getByLabel("Send to").selectOption({ label: FTPS_ACCOUNT });
    await partnerPage.getByRole("radio", { name: "Test" }).check();
    await partnerPage.getByLabel("Choose files").setInputFiles({ name, mimeType: "text/plain", buffer: body });
    const item = partnerPage.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name });
    await expect(item.getByRole("status")).toContainText(UPLOAD_ACCEPTED, { timeout: 30_000 });
    await item.getByRole("link", { name: "Follow it" }).click();
    await expect(partnerPage.getByText("needs attention", { exact: true })).toBeVisible({ timeout: 30_000 });
  } finally {
    await setRemoteDirectory(adminPage, "/incoming");
  }

  // The cause is fixed: the partner sends it again from the transfer's page, no reason asked.
  const resend = partnerPage.getByRole("form", { name: "Send this transfer again" });
  await resend.getByRole("button", { name: "Send again" }).click();
  await expect(partnerPage.getByRole("region", { name: "Actions taken" })).toContainText("sent again by your organisation");
  await expect(partnerPage.getByText("delivered", { exact: true }).first()).toBeVisible({ timeout: 30_000 });
  expect(fs.readFileSync(path.join(sandboxRoot, "ftps-root", "incoming", name)).equals(body)).toBe(true);
  await expect(partnerPage.getByRole("form", { name: "Send this transfer again" })).toHaveCount(0);

  // Attempts keep their numbers across the retry; each shows what it sent, at a readable rate.
  const first = partnerPage.getByRole("region", { name: "Attempt 1", exact: true });
  const second = partnerPage.getByRole("region", { name: "Attempt 2", exact: true });
  await expect(first).toContainText("REMOTE_DIR_NOT_FOUND");
  await expect(second).toContainText(`${body.length} bytes`);
  await expect(second).toContainText(/\d+(\.\d)? (B|KiB)\/s/);
  await expect(second).not.toContainText("0.00 MiB/s");

  await adminPage.goto("/admin/audit?action=transfer.requeued");
  await expect(adminPage.getByRole("row").filter({ hasText: name })).toContainText("partner");
});
