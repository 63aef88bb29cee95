import crypto from "node:crypto";
import fs from "node:fs";
import { expect, test } from "./fixtures";

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
