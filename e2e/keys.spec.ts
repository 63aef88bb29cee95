import crypto from "node:crypto";
import fs from "node:fs";
import { expect, test } from "./fixtures";
import { e2eCredentials } from "./credentials";
import { KeysPage } from "./pages/keys-page";

const destination = "Sandbox payer (SFTP, password + key)";

test("a partner generates a key and downloads the public key; the admin approves it; the partner sees it approved", async ({ partnerPage, adminPage }) => {
  await partnerPage.goto("/keys");
  const section = partnerPage.getByRole("region", { name: destination });
  const keys = section.getByRole("list", { name: `Keys for ${destination}` });
  const before = await keys.getByRole("listitem").count();
  await section.getByRole("button", { name: "Generate RSA-2048 key" }).click();
  await expect(section.getByRole("status")).toContainText("New 2048-bit RSA key generated");
  await expect(keys.getByRole("listitem")).toHaveCount(before + 1);

  const newest = keys.getByRole("listitem").first();
  await expect(newest).toContainText("Waiting for the payer to install it");
  // The page says what happens next, and what keeps working meanwhile.
  const next = newest.getByRole("note", { name: "What happens next" });
  await expect(next).toContainText("an administrator marks it installed here, and you get an email");
  await expect(next).toContainText("deliveries use this key");
  await expect(next).toContainText("keep using the password alone, or your previous installed key");
  const fingerprint = (await newest.getAttribute("aria-label"))!.replace("Key ", "");
  expect(fingerprint).toMatch(/^SHA256:/);

  const downloading = partnerPage.waitForEvent("download");
  await newest.getByRole("link", { name: "Download public key (OpenSSH)" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.pub$/);
  expect(fs.readFileSync((await download.path())!, "utf8")).toMatch(/^ssh-rsa AAAA/);

  const rfc = partnerPage.waitForEvent("download");
  await newest.getByRole("link", { name: /RFC 4716/ }).click();
  expect(fs.readFileSync((await (await rfc).path())!, "utf8")).toContain("---- BEGIN SSH2 PUBLIC KEY ----");

  await adminPage.goto("/admin/keys");
  const entry = adminPage.getByRole("listitem", { name: new RegExp(`key ${fingerprint.replace(/[+/]/g, "\\$&")}`) });
  await expect(entry).toContainText("Sunshine Family Clinic");
  await entry.getByRole("button", { name: "Installed on the payer's server" }).click();
  await expect(entry.getByRole("status")).toContainText("Marked as installed");

  await partnerPage.reload();
  await expect(keys.getByRole("listitem", { name: `Key ${fingerprint}` })).toContainText("Installed on the payer's server");
});

test("pasting a private key into the public-key field is refused with a warning", async ({ partnerPage }) => {
  await partnerPage.goto("/keys");
  const section = partnerPage.getByRole("region", { name: destination });
  const form = section.getByRole("form", { name: "Register a public key" });
  // A real private key, made for this run: nothing key-like is kept in the repository.
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  await form.getByLabel("Public key").fill(privateKey.export({ type: "pkcs1", format: "pem" }).toString());
  await form.getByRole("button", { name: "Register public key" }).click();
  await expect(form.getByText(/This is a PRIVATE key/)).toBeVisible();
  await expect(form.getByLabel("Public key")).toHaveValue("");
});

test("a rejected public key stays in its box to be fixed", async ({ partnerPage }) => {
  await partnerPage.goto("/keys");
  const form = partnerPage.getByRole("region", { name: destination }).getByRole("form", { name: "Register a public key" });
  const broken = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC-not-a-key me@laptop";
  await form.getByLabel("Public key").fill(broken);
  await form.getByRole("button", { name: "Register public key" }).click();
  await expect(form.getByLabel("Public key")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Public key")).toHaveValue(broken);
});

test("every account's fields have their own ids, so each label points at its own field", async ({ partnerPage }) => {
  const keysPage = new KeysPage(partnerPage);
  await keysPage.goto();
  const duplicates = await partnerPage.evaluate(() => {
    const ids = [...document.querySelectorAll("[id]")].map((element) => element.id);
    return ids.filter((id, index) => ids.indexOf(id) !== index);
  });
  expect(duplicates).toEqual([]);
  const sections = partnerPage.getByRole("main").getByRole("region").filter({ has: partnerPage.getByRole("form", { name: "Upstream password" }) });
  const count = await sections.count();
  expect(count).toBeGreaterThan(1);
  for (let index = 0; index < count; index += 1) {
    const section = sections.nth(index);
    await expect(section.getByLabel(/Payer password|Replace the payer password/)).toHaveCount(1);
    // The label's field is inside the same section.
    const field = section.getByLabel(/Payer password|Replace the payer password/);
    await expect(section.locator(`[id="${await field.getAttribute("id")}"]`)).toHaveCount(1);
  }
  const sftp = keysPage.section(destination);
  for (const label of ["Public key", "Private key", "Key passphrase (if any)"]) {
    await expect(sftp.getByRole("form", { name: /Register a public key|Upload a private key/ }).getByLabel(label, { exact: true })).toHaveCount(1);
  }
});

test("the page asks once, before any form, and that unlocks every form until a time it shows; an expired confirmation is refused and asked again", async ({ partnerPage }) => {
  const keysPage = new KeysPage(partnerPage);
  await keysPage.goto();
  await keysPage.confirmIfAsked(e2eCredentials.partner.password);
  await keysPage.lock();

  // Locked: the panel comes first, the sensitive forms are disabled and point at it.
  const passwordForm = keysPage.section(destination).getByRole("form", { name: "Upstream password" });
  await expect(passwordForm.getByLabel(/Payer password|Replace the payer password/)).toBeDisabled();
  await expect(passwordForm.getByRole("note")).toContainText("Locked until you confirm it's you");
  await expect(passwordForm.getByRole("link", { name: /enter your password or a code/ })).toHaveAttribute("href", "#confirm-identity");
  const upload = keysPage.section(destination).getByRole("form", { name: "Upload a private key" });
  await expect(upload.getByLabel("Private key", { exact: true })).toBeDisabled();
  // Forms that reveal or store no secret stay usable.
  await expect(keysPage.section(destination).getByRole("button", { name: "Generate RSA-2048 key" })).toBeEnabled();

  // Once confirmed, every form is enabled, and the page says until when.
  await keysPage.confirmIfAsked(e2eCredentials.partner.password);
  await expect(keysPage.panel.getByRole("status").locator("time")).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT/);
  await expect(passwordForm.getByLabel(/Payer password|Replace the payer password/)).toBeEnabled();
  await expect(upload.getByLabel("Private key", { exact: true })).toBeEnabled();
  await expect(passwordForm.getByRole("note")).toHaveCount(0);

  // The confirmation ends meanwhile (here: "Lock now" in another tab of the same session); the server refuses and the panel returns.
  const other = await partnerPage.context().newPage();
  const otherKeys = new KeysPage(other);
  await otherKeys.goto();
  await otherKeys.lock();
  await other.close();
  await passwordForm.getByLabel(/Payer password|Replace the payer password/).fill("not stored");
  await passwordForm.getByRole("button", { name: /Store password|Replace password/ }).click();
  await expect(passwordForm.getByRole("alert")).toContainText("Your confirmation ran out");
  await expect(keysPage.confirmForm).toBeVisible();
  await expect(passwordForm.getByLabel(/Payer password|Replace the payer password/)).toBeDisabled();
  await keysPage.confirmIfAsked(e2eCredentials.partner.password);
});
