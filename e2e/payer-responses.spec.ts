import fs from "node:fs";
import { uniqueClaimStamp } from "./claim-names";
import { UPLOAD_ACCEPTED } from "./pages/unreachable-payer";
import { expect, test } from "./fixtures";
import { buildSample837 } from "../lib/sandbox/sample-837";

const SFTP = "Sandbox payer (SFTP, password + key) (user sunshine)";

/** A name the sandbox SFTP payer's rule accepts, unique to this run. */
function claimFileName(): string {
  return `S000000050-${uniqueClaimStamp()}T.TXT`;
}

test("a claim file whose billing provider has no NPI comes back rejected, with the error in plain words and the 999 to download", async ({ partnerPage: page }) => {
  test.setTimeout(120_000);
  const name = claimFileName();
  const claim = `E2E-${Date.now()}`;
  const content = buildSample837({
    submitterId: "000000050",
    receiverId: "FLEDIPAYER",
    interchangeControlNumber: Math.floor(Math.random() * 999_999_999) + 1,
    usage: "T",
    claims: [{ patientControlNumber: claim, charge: "120.00", billingProviderNpi: null }],
    lineBreak: "\n",
  });

  await page.goto("/upload");
  await page.getByLabel("Send to").selectOption({ label: SFTP });
  await page.getByRole("radio", { name: "Test" }).check();
  await page.getByLabel("Choose files").setInputFiles({ name, mimeType: "text/plain", buffer: Buffer.from(content) });
  const item = page.getByRole("list", { name: "Uploads" }).getByRole("listitem", { name });
  await expect(item.getByRole("status")).toContainText(UPLOAD_ACCEPTED, { timeout: 30_000 });
  // The upload page follows the file past delivery to the payer's verdict.
  await expect(item.getByRole("status")).toContainText("Delivered to the payer", { timeout: 45_000 });
  await expect(item.getByRole("status")).toContainText(/Payer's response: .*Rejected/, { timeout: 90_000 });
  await item.getByRole("link", { name: "Follow it" }).click();

  // Delivered, then the sandbox payer answers and the poll links its TA1 and 999 (the page refreshes itself).
  const response = page.getByRole("region", { name: "Payer response" });
  await expect(response.getByText("Rejected", { exact: true }).first()).toBeVisible({ timeout: 90_000 });
  const timeline = response.getByRole("list", { name: "Payer response timeline" });
  await expect(timeline).toContainText("TA1: envelope accepted");
  await expect(timeline).toContainText("999: rejected");
  await expect(timeline).toContainText(`claim ${claim}`);
  await expect(timeline).toContainText("NM109 (the billing provider's NPI) is empty");
  await expect(timeline.locator("pre").filter({ hasText: "IK4*9*67*1" }).first()).toBeVisible();

  const ack = name.replace(/\.TXT$/, ".999");
  const downloading = page.waitForEvent("download");
  await timeline.getByRole("link", { name: `Download ${ack}` }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(ack);
  const body = fs.readFileSync((await download.path())!, "utf8");
  expect(body).toMatch(/^ISA\*/);
  expect(body).toContain("AK1*HC*");
  expect(body).toContain(`CTX*CLM01:${claim}`);
});

test("the demo's first story: one sample submission accepted and one rejected, in the history's payer-response filter", async ({ partnerPage: page }) => {
  test.setTimeout(120_000);
  for (const [verdict, label] of [
    ["accepted", "Accepted"],
    ["rejected", "Rejected"],
  ] as const) {
    await expect(async () => {
      await page.goto(`/history?response=${verdict}`);
      await expect(page.getByRole("table").getByText(label, { exact: true }).first()).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 90_000 });
  }
});

test("the payer files inbox lists what the payer sent, and a file's page explains it", async ({ partnerPage: page }) => {
  await page.goto("/responses?kind=999");
  await expect(page.getByRole("heading", { name: "Payer files" })).toBeVisible();
  const first = page.getByRole("table").getByRole("link", { name: /\.999$/ }).first();
  await expect(first).toBeVisible({ timeout: 60_000 });
  await first.click();
  await expect(page.getByRole("heading", { name: "What it answers" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "What the payer says" })).toBeVisible();
});
