import { expect, test } from "./fixtures";
import { DestinationPage } from "./pages/destination-page";

const WRONG_PASSWORD = "definitely-not-the-password";

test("a partner with a wrong password runs the diagnosis, sees the password guide and copies the report", async ({ adminPage, partnerPage }) => {
  // The admin points a second destination at the sandbox payer and stores a wrong password for the demo clinic.
  const sandbox = new DestinationPage(adminPage);
  await sandbox.open("Sandbox payer (SFTP, password + key)");
  const description = await adminPage.getByRole("main").locator("p").first().textContent();
  const [, host, port] = /(127\.0\.0\.1):(\d+)/.exec(description ?? "")!;
  const fingerprint = (await sandbox.section("Host key").getByRole("list", { name: "Pinned fingerprints" }).locator("code").first().textContent())!.trim();

  const name = `Wrong password check ${Date.now()}`;
  await adminPage.goto("/admin/destinations/new");
  await adminPage.getByLabel("Name", { exact: true }).fill(name);
  await adminPage.getByLabel("Host", { exact: true }).fill(host);
  await adminPage.getByLabel("Port", { exact: true }).fill(port);
  await adminPage.getByRole("button", { name: "Create destination" }).click();
  await expect(adminPage.getByRole("heading", { level: 1, name })).toBeVisible();
  const pinForm = adminPage.getByRole("form", { name: "Pin a published fingerprint" });
  await pinForm.getByLabel(/Or pin a fingerprint/).fill(fingerprint);
  await pinForm.getByRole("button", { name: "Pin fingerprint" }).click();
  await expect(pinForm.getByRole("status")).toContainText("Pinned");
  const accountForm = adminPage.getByRole("form", { name: "Create partner account" });
  await accountForm.getByLabel("Organisation").selectOption({ label: "Sunshine Family Clinic" });
  await accountForm.getByLabel("Upstream user name").fill("sunshine");
  await accountForm.getByLabel("Password and key set by").selectOption("admin");
  await accountForm.getByRole("button", { name: "Create account" }).click();
  await expect(accountForm.getByRole("status")).toContainText("Account sunshine created");
  const passwordForm = adminPage.getByRole("form", { name: "Password for sunshine" });
  await passwordForm.getByLabel("Upstream password for sunshine").fill(WRONG_PASSWORD);
  await passwordForm.getByRole("button", { name: "Store password" }).click();
  await expect(passwordForm.getByRole("status")).toContainText("stored encrypted");

  // The partner tests the connection.
  await partnerPage.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await partnerPage.goto("/troubleshooting");
  const section = partnerPage.getByRole("region", { name: `Test ${name}` });
  await section.getByRole("button", { name: "Test connection" }).click();
  await expect(partnerPage).toHaveURL(/\/diagnoses\/[0-9a-f-]{36}$/);

  const headline = partnerPage.getByRole("main").getByRole("alert");
  await expect(headline).toContainText("AUTH_PASSWORD_REJECTED");
  const stages = partnerPage.getByRole("list", { name: "Diagnosis stages" });
  await expect(stages.getByRole("listitem", { name: "Host key: passed" })).toBeVisible();
  await expect(stages.getByRole("listitem", { name: /Authentication: failed/ })).toBeVisible();
  await expect(stages.getByRole("listitem", { name: /SFTP subsystem: not reached/ })).toBeVisible();

  await partnerPage.getByRole("button", { name: "Copy report" }).click();
  await expect(partnerPage.getByRole("button", { name: "Copy report: copied" })).toBeVisible();
  const copied = await partnerPage.evaluate(() => navigator.clipboard.readText());
  expect(copied).toContain("AUTH_PASSWORD_REJECTED");
  expect(copied).not.toContain(WRONG_PASSWORD);

  await headline.getByRole("link", { name: /Read the guide/ }).click();
  await expect(partnerPage.getByRole("heading", { level: 1, name: "User name or password rejected" })).toBeVisible();
  await expect(partnerPage.getByText(/case-sensitive/).first()).toBeVisible();
});

test("the knowledge base finds guides by what partners type", async ({ partnerPage }) => {
  await partnerPage.goto("/guides");
  await partnerPage.getByLabel("Search the guides").fill("passive");
  await partnerPage.getByRole("button", { name: "Search" }).click();
  const results = partnerPage.getByRole("region", { name: "Search results" });
  await expect(results.getByRole("link").first()).toContainText(/passive/i);
});

test("the troubleshooting page says where the portal connects from", async ({ partnerPage }) => {
  await partnerPage.goto("/troubleshooting");
  await expect(partnerPage.getByRole("region", { name: "Portal egress IP addresses" })).toContainText(/EGRESS_IPS|allow/);
});

test("the client setup page gives exact settings for the sandbox SFTP payer", async ({ partnerPage }) => {
  await partnerPage.goto("/troubleshooting");
  await partnerPage.getByRole("region", { name: "Test Sandbox payer (SFTP, password + key)" }).getByRole("link", { name: "Set up your own client" }).click();
  await expect(partnerPage.getByRole("region", { name: "FileZilla" })).toContainText("127.0.0.1");
  await expect(partnerPage.getByRole("region", { name: "WinSCP" })).toBeVisible();
  await expect(partnerPage.getByRole("region", { name: "Command line" })).toContainText("sftp");
});
