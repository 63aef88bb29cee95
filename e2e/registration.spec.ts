import { expect, RegistrationsPage, test } from "./fixtures";
import { e2eCredentials } from "./credentials";
import { AppShell, PHONE } from "./pages/app-shell";
import { KeysPage } from "./pages/keys-page";
import { MailInbox } from "./pages/mail-inbox";
import { uniqueRegistration } from "./pages/register-page";

/** The demo's SFTP payer (lib/sandbox/demo.ts): it asks for a password and a key. */
const SANDBOX_SFTP = "Sandbox payer (SFTP, password + key)";

const ADMIN_NOTICE = /A new registration is waiting for your review/;

test("a registration reaches the admins, approval leads the admin to partner accounts, and the partner's pages move on by themselves", async ({ page, registerPage, adminPage }) => {
  const shell = new AppShell(adminPage);
  await adminPage.goto("/admin/registrations");
  const waitingBefore = await shell.waitingCount("Registrations");

  const registration = uniqueRegistration("Approved");
  await registerPage.goto();
  await registerPage.registerAndSignIn(registration);

  // The waiting page says who reviews, what happens next, and that it checks by itself.
  await expect(page.getByRole("heading", { name: "Waiting for approval" })).toBeVisible();
  await expect(page.getByText(registration.organisationName)).toBeVisible();
  const whoReviews = page.getByRole("region", { name: "Who reviews it" });
  await expect(whoReviews).toContainText("The portal's administrators, who run the relay to the payers, check every new trading partner");
  await expect(whoReviews).toContainText(`You get an email at ${registration.email.toLowerCase()} when they decide.`);
  await expect(page.getByText("This page checks for the decision by itself")).toBeVisible();
  // A pending partner sees nothing else.
  await page.goto("/upload");
  await expect(page).toHaveURL(/\/pending$/);

  // The admins: one more in the navigation's count, and an email naming the registration.
  await adminPage.goto("/admin/registrations");
  expect(await shell.waitingCount("Registrations")).toBe(waitingBefore + 1);
  const notice = await new MailInbox(adminPage).waitForText(e2eCredentials.admin.email, ADMIN_NOTICE, registration.organisationName);
  await expect(notice).toContainText(`submitter ID ${registration.submitterId}`);
  await expect(notice.getByRole("link", { name: /\/admin\/registrations$/ })).toBeVisible();

  // Approving leads straight to creating the organisation's partner accounts.
  const queue = new RegistrationsPage(adminPage);
  await queue.goto();
  await expect(queue.entry(registration.organisationName)).toContainText(registration.submitterId);
  await queue.approve(registration.organisationName);
  await expect(adminPage).toHaveURL(/\/admin\/organisations\/[0-9a-f-]{36}\?approved=1#partner-accounts$/);
  const organisationPage = adminPage.url();
  const createAccount = queue.nextStep().getByRole("form", { name: "Create partner account" });
  await expect(createAccount).toBeVisible();
  expect(await shell.waitingCount("Registrations")).toBe(waitingBefore);

  // The partner's waiting page moves on by itself (it asks the server again every 15 seconds).
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 30_000 });
  await expect(page.getByRole("heading", { name: `Welcome, ${registration.contactName}` })).toBeVisible();
  await expect(page.getByText(`submitter ID ${registration.submitterId}`)).toBeVisible();
  const steps = page.getByRole("list", { name: "Set-up steps" });
  await expect(steps.getByRole("listitem", { name: "Registration approved" })).toContainText("Done");
  const payerAccount = steps.getByRole("listitem", { name: "Your payer account" });
  await expect(payerAccount).toContainText("Waiting for the admin to create your payer account.");
  await expect(payerAccount).toContainText("What happens next: Once your payer has issued your user name, an administrator creates the account");
  await expect(steps.getByRole("listitem", { name: "Send your first file" })).toContainText("Possible once the steps above are done.");

  // The partner was emailed about the approval, with what happens next.
  const approval = await new MailInbox(adminPage).waitForText(registration.email.toLowerCase(), /was approved/, registration.organisationName);
  await expect(approval).toContainText("an administrator creates your payer account");

  // The admin creates the account from the next step; the partner's checklist moves on.
  const username = `reg-${Date.now().toString(36)}`;
  // Left the page? The Registrations page keeps the next step for every approved organisation without an account.
  await queue.goto();
  const awaiting = adminPage.getByRole("list", { name: "Approved, waiting for partner accounts" });
  await awaiting.getByRole("link", { name: `Create partner accounts for ${registration.organisationName}` }).click();
  await expect(adminPage).toHaveURL(organisationPage.replace("?approved=1", ""));
  await expect(queue.nextStep()).toContainText("Next: create this organisation's partner accounts.");
  await expect(createAccount).toBeVisible();
  await createAccount.getByLabel("Destination").selectOption({ label: SANDBOX_SFTP });
  await createAccount.getByLabel("Upstream user name").fill(username);
  await createAccount.getByLabel("Password and key set by").selectOption("partner");
  await createAccount.getByRole("button", { name: "Create account" }).click();
  await expect(adminPage.getByRole("region", { name: "Partner accounts" }).getByRole("table")).toContainText(username);
  await expect(queue.nextStep()).toHaveCount(0);
  await queue.goto();
  await expect(adminPage.getByRole("link", { name: `Create partner accounts for ${registration.organisationName}` })).toHaveCount(0);

  await page.reload();
  await expect(payerAccount).toContainText(`User ${username} on ${SANDBOX_SFTP}.`);
  const password = steps.getByRole("listitem", { name: `Password for ${SANDBOX_SFTP}` });
  await expect(password).toContainText(`No password stored yet for user ${username}.`);
  await expect(password.getByRole("link", { name: "Store the password" })).toHaveAttribute("href", "/keys");
  const key = steps.getByRole("listitem", { name: `RSA key for ${SANDBOX_SFTP}` });
  await expect(key).toContainText("Your turn");

  // A generated key waits for the payer, and the checklist says what happens next.
  await key.getByRole("link", { name: "Generate or upload a key" }).click();
  const keysPage = new KeysPage(page);
  await keysPage.confirmIfAsked(registration.password);
  await keysPage.section(SANDBOX_SFTP).getByRole("button", { name: "Generate RSA-2048 key" }).click();
  await expect(keysPage.section(SANDBOX_SFTP).getByRole("status")).toContainText("New 2048-bit RSA key generated");
  await page.goto("/dashboard");
  await expect(key).toContainText("Waiting for the payer to install your key.");
  await expect(key).toContainText(`Once the payer confirms, an administrator marks it installed here and you get an email`);
});

test("a rejected partner is emailed the reason, and the waiting page shows it by itself", async ({ page, registerPage, adminPage }) => {
  const registration = uniqueRegistration("Rejected");
  await registerPage.goto();
  await registerPage.registerAndSignIn(registration);
  await expect(page.getByRole("heading", { name: "Waiting for approval" })).toBeVisible();

  const queue = new RegistrationsPage(adminPage);
  await queue.goto();
  await queue.reject(registration.organisationName, "The submitter ID is not on the payer's enrollment list; check the letter and register again.");
  await expect(queue.decision()).toContainText("The partner gets an email with your reason");

  await expect(page.getByRole("heading", { name: "Registration not approved" })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("not on the payer's enrollment list")).toBeVisible();
  const rejection = await new MailInbox(adminPage).waitForText(registration.email.toLowerCase(), /was not approved/, registration.organisationName);
  await expect(rejection).toContainText("The reason given: The submitter ID is not on the payer's enrollment list; check the letter and register again.");
});

test("the admin's phone menu shows how many registrations wait", async ({ registerPage, adminPage }) => {
  const shell = new AppShell(adminPage);
  await adminPage.setViewportSize(PHONE);
  const registration = uniqueRegistration("Phone");
  await registerPage.goto();
  await registerPage.register(registration);
  await expect(registerPage.received()).toBeVisible();

  await adminPage.goto("/admin/organisations");
  const waiting = await shell.menuWaitingCount();
  expect(waiting).toBeGreaterThan(0);
  await shell.openMenu();
  expect(await shell.waitingCount("Registrations")).toBe(waiting);
  await shell.mainNav().getByRole("link", { name: "Registrations", exact: true }).click();
  await new RegistrationsPage(adminPage).reject(registration.organisationName, "Registered only to check the phone menu's count.");
  // The decision is counted at once, without another page load.
  expect(await shell.menuWaitingCount()).toBe(waiting - 1);
});

test("registration errors appear next to their fields and keep what was typed", async ({ page, registerPage }) => {
  const registration = { ...uniqueRegistration("Invalid"), password: "password1234" };
  await registerPage.goto();
  await registerPage.register(registration);
  const password = page.getByLabel("Password", { exact: true });
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("appears in lists of common passwords")).toBeVisible();
  await expect(page.getByLabel("Organisation name")).toHaveValue(registration.organisationName);
  await expect(password).toHaveValue("");
});

test("registering with an address that has an account answers exactly as for a new one; the owner is told by email", async ({ page, registerPage, adminPage }) => {
  const fresh = uniqueRegistration("Fresh");
  await registerPage.goto();
  await registerPage.register(fresh);
  const freshAnswer = (await registerPage.received().innerText()).replace(fresh.email, "<address>");

  const taken = { ...uniqueRegistration("Taken"), email: e2eCredentials.partner.email };
  await registerPage.goto();
  await registerPage.register(taken);
  await expect(registerPage.received()).toContainText(taken.email);
  expect((await registerPage.received().innerText()).replace(taken.email, "<address>")).toBe(freshAnswer);
  // Nobody was signed in by either.
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);

  const inbox = new MailInbox(adminPage);
  await expect(await inbox.textOfLatest(taken.email, /Someone tried to register with your address/)).toContainText("no new account was created");
  await expect(await inbox.textOfLatest(fresh.email, /Your registration on the EDI Transfer Portal/)).toContainText("An administrator checks every registration");
});

test("an admin sees, before deciding, that a registration reuses an approved organisation's submitter ID", async ({ registerPage, adminPage }) => {
  const impostor = { ...uniqueRegistration("Lookalike"), submitterId: "000000050" };
  await registerPage.goto();
  await registerPage.register(impostor);
  await expect(registerPage.received()).toBeVisible();

  const queue = new RegistrationsPage(adminPage);
  await queue.goto();
  const warning = queue.entry(impostor.organisationName).getByRole("region", { name: `Possible duplicates of ${impostor.organisationName}` });
  await expect(warning).toContainText("An approved organisation “Sunshine Family Clinic” already uses submitter ID 000000050.");
  await queue.reject(impostor.organisationName, "This submitter ID belongs to another organisation on the portal.");
});
