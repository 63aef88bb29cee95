import { expect, test } from "./fixtures";
import { DestinationPage } from "./pages/destination-page";

test("an admin reviews the sandbox SFTP payer's host key and sends a test file through it", async ({ adminPage }) => {
  const destination = new DestinationPage(adminPage);
  await destination.open("Sandbox payer (SFTP, password + key)");
  await expect(adminPage.getByRole("note")).toContainText("legacy SSH algorithms");

  const pinned = await destination.section("Host key").getByLabel("Pinned fingerprints").textContent();
  const identity = await destination.fetchIdentity();
  await expect(identity).toContainText("SHA-256 fingerprint");
  await expect(identity).toContainText(pinned!.trim().replace("Remove", "").trim());

  const result = await destination.sendTestFile("PORTAL-TEST-SFTP.TXT");
  await expect(result.getByRole("status")).toContainText("Delivered PORTAL-TEST-SFTP.TXT");
  await result.getByRole("link", { name: "Open the transfer and its transcript" }).click();
  await expect(adminPage.getByRole("heading", { level: 1, name: "PORTAL-TEST-SFTP.TXT" })).toBeVisible();
  await expect(adminPage.getByText("delivered").first()).toBeVisible();
  const transcript = adminPage.getByLabel("Transcript");
  await expect(transcript).toContainText("partial success");
  await expect(transcript).toContainText("rename");
});

test("an admin sends a test file over FTPS with a pinned certificate", async ({ adminPage }) => {
  const destination = new DestinationPage(adminPage);
  await destination.open("Sandbox clearinghouse (FTPS explicit)");
  const identity = await destination.fetchIdentity();
  await expect(identity).toContainText("*.sandbox.test");
  const result = await destination.sendTestFile("PORTAL-TEST-FTPS.TXT");
  await expect(result.getByRole("status")).toContainText("Delivered PORTAL-TEST-FTPS.TXT");
  await result.getByRole("link", { name: "Open the transfer and its transcript" }).click();
  await expect(adminPage.getByLabel("Transcript")).toContainText("AUTH TLS");
});

test("an admin creates a destination from the FL EDI preset; it stays unusable until pinned", async ({ adminPage }) => {
  await adminPage.goto("/admin/destinations/new");
  await adminPage.getByRole("link", { name: /FL EDI — SFTP/ }).click();
  await expect(adminPage.getByLabel("Host", { exact: true })).toHaveValue("dwcftp.fldfs.com");
  await adminPage.getByLabel("Name", { exact: true }).fill("FL EDI claims e2e");
  await adminPage.getByRole("button", { name: "Create destination" }).click();
  await expect(adminPage.getByRole("heading", { level: 1, name: "FL EDI claims e2e" })).toBeVisible();
  await expect(adminPage.getByRole("main").getByRole("alert")).toContainText("Nothing is pinned yet");
  await expect(adminPage.getByRole("note")).toContainText("diffie-hellman-group-exchange-sha1");
});

test("destination settings are validated field by field", async ({ adminPage }) => {
  await adminPage.goto("/admin/destinations/new");
  await adminPage.getByLabel("Name", { exact: true }).fill("Broken");
  await adminPage.getByLabel("Host", { exact: true }).fill("sftp://payer.example/incoming");
  await adminPage.getByLabel("Port", { exact: true }).fill("70000");
  await adminPage.getByRole("button", { name: "Create destination" }).click();
  await expect(adminPage.getByText("Enter only the host name, without protocol")).toBeVisible();
  await expect(adminPage.getByText("Ports run from 1 to 65535.")).toBeVisible();
  await expect(adminPage.getByLabel("Host", { exact: true })).toHaveAttribute("aria-invalid", "true");
});

test("pinning a certificate switches the FTPS destination to pinned verification, and fetch-and-review explains names that do not cover the host", async ({ adminPage }) => {
  const destination = new DestinationPage(adminPage);
  await destination.open("Sandbox clearinghouse (FTPS explicit)");
  await expect(destination.tlsVerification()).toContainText("Verification: pinned certificate.");
  const fingerprint = (await destination.pinnedFingerprints().getByRole("listitem").first().locator("code").textContent())!.trim();
  try {
    // Without the pin the destination is back to CA verification, which refuses the sandbox's privately issued certificate.
    await destination.removePin(fingerprint);
    await expect(destination.tlsVerification()).toContainText("Verification: certificate authorities.");
    const refused = await destination.sendTestFile("PORTAL-TEST-UNPINNED.TXT");
    await expect(refused.getByRole("alert")).toContainText("TLS_CERT_UNTRUSTED");

    // The sandbox certificate names *.sandbox.test; the destination's host is 127.0.0.1.
    const identity = await destination.fetchIdentity();
    const names = identity.getByRole("note", { name: "Certificate names" });
    await expect(names).toContainText("The certificate's names do not match 127.0.0.1");
    await expect(names).toContainText("The certificate is issued for *.sandbox.test, sandbox.test, not for 127.0.0.1.");
    await expect(names).toContainText("CA verification checks the name as well as the issuer");
    await expect(names).toContainText("Pinning accepts this exact certificate");
    await expect(identity).toContainText("Pinning switches this destination from CA verification to pinned verification in the same step");
    await expect(identity).toContainText(fingerprint);

    const pinned = await destination.pinPresentedCertificate();
    await expect(pinned.getByRole("status")).toContainText("this destination now uses pinned verification instead of CA verification");
    await expect(pinned).not.toContainText("Pinning switches this destination");
    await expect(destination.tlsVerification()).toContainText("Verification: pinned certificate.");
    await expect(destination.pinnedFingerprints()).toContainText(fingerprint);
    // The settings form shows the new mode, so saving it later does not switch back.
    await expect(destination.section("Settings").getByLabel("Certificate check")).toHaveValue("pinned");

    // Nothing else changed, and the next delivery goes through.
    const delivered = await destination.sendTestFile("PORTAL-TEST-PINNED.TXT");
    await expect(delivered.getByRole("status")).toContainText("Delivered PORTAL-TEST-PINNED.TXT");
  } finally {
    // Leave the sandbox destination as the other specs expect it: pinned to its certificate.
    if (!(await destination.pinnedFingerprints().count())) await destination.pinPublishedFingerprint(fingerprint);
  }
});
