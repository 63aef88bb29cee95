import { expect, test } from "./fixtures";

const sandboxPayer = "Sandbox payer (SFTP, password + key)";
const lastChecked = /Responses: last checked \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, (OK|failed)/;

test("the FL EDI preset fills in where the payer's answers are, and the response settings are validated", async ({ adminPage }) => {
  await adminPage.goto("/admin/destinations/new");
  await adminPage.getByRole("link", { name: /FL EDI — SFTP/ }).click();
  const form = adminPage.getByRole("form", { name: "Destination settings" });
  const responses = form.getByRole("group", { name: "Payer responses" });
  await expect(responses.getByLabel("Response folder")).toHaveValue("/outbound");
  await expect(responses.getByLabel("After pickup")).toHaveValue("move");
  await expect(responses.getByLabel("Move to folder")).toHaveValue("/outbound/archive");
  await expect(responses.getByLabel("Wait for an answer (hours)")).toHaveValue("24");

  await responses.getByLabel(/Response file names/).fill("\\.(999|277");
  await responses.getByLabel("Move to folder").fill("");
  await responses.getByLabel("Wait for an answer (hours)").fill("1000");
  await form.getByRole("button", { name: "Create destination" }).click();
  await expect(responses.getByText("That is not a valid regular expression.")).toBeVisible();
  await expect(responses.getByText("Name the folder picked-up files are moved to")).toBeVisible();
  await expect(responses.getByText("Wait 1 to 720 hours (30 days) for an answer.")).toBeVisible();
  await expect(responses.getByLabel("Move to folder")).toHaveAttribute("aria-invalid", "true");
});

test("a partner asks for the payer's answers now and sees when they were last checked", async ({ partnerPage }) => {
  await partnerPage.goto("/keys");
  const section = partnerPage.getByRole("region", { name: sandboxPayer });
  await expect(section.getByText(/Responses: (not checked yet|last checked)/)).toBeVisible();
  await section.getByRole("button", { name: "Check for responses now" }).click();
  await expect(section.getByRole("status")).toHaveText("Queued: the account's response folder is checked within a minute.");

  await expect(async () => {
    await partnerPage.reload();
    await expect(partnerPage.getByRole("region", { name: sandboxPayer }).getByText(lastChecked)).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  const status = partnerPage.getByRole("region", { name: sandboxPayer }).getByText(lastChecked);
  // A failed check names its code and links the guide for it.
  if ((await status.textContent())?.includes("failed")) await expect(status.getByRole("link", { name: /^Guide:/ })).toBeVisible();
});

test("admins see every account's response pickup next to its other status", async ({ adminPage }) => {
  await adminPage.goto("/admin/accounts");
  const table = adminPage.getByRole("table", { name: "Partner accounts" });
  await expect(table.getByRole("columnheader", { name: "Payer responses" })).toBeVisible();
  const row = table.getByRole("row", { name: new RegExp(`on ${sandboxPayer.replace(/[()+]/g, "\\$&")}`) }).first();
  await expect(row.getByText(/Responses: (not checked yet|last checked|not collected)/)).toBeVisible();
  await expect(row.getByRole("button", { name: "Check for responses now" })).toBeVisible();
});
