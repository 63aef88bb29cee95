import { expect, test } from "./fixtures";
import { DEMO_ORGANISATION, invitePartnerUser } from "./pages/accounts";
import { MailInbox } from "./pages/mail-inbox";
import { SignInPage } from "./pages/sign-in-page";
import { e2eCredentials } from "./credentials";

const PASSWORD = "marigold ferry lantern 2026";

test("an admin invites a partner user by email; the user opens the emailed link, sets a password and signs in", async ({ adminPage, browser }) => {
  const { email, page } = await invitePartnerUser(adminPage, browser, PASSWORD);
  await expect(page.getByRole("heading", { level: 1, name: "Welcome, Ivy Invitee" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn(email, PASSWORD);
  await expect(page.getByRole("heading", { level: 1, name: "Welcome, Ivy Invitee" })).toBeVisible();
  await page.context().close();
});

test("support opens an organisation's page read-only", async ({ supportPage }) => {
  await supportPage.goto(`/support/organisations?q=${encodeURIComponent(DEMO_ORGANISATION)}`);
  await supportPage.getByRole("link", { name: DEMO_ORGANISATION }).click();
  await expect(supportPage.getByRole("heading", { level: 1, name: DEMO_ORGANISATION })).toBeVisible();
  await expect(supportPage.getByText("read-only view")).toBeVisible();
  await expect(supportPage.getByRole("region", { name: "Users" }).getByRole("listitem").first()).toBeVisible();
  await expect(supportPage.getByRole("table", { name: "Partner accounts" })).toContainText("sunshine");
  await expect(supportPage.getByRole("table", { name: "Keys" })).toContainText("installed");
  // Not one write control.
  await expect(supportPage.getByRole("main").getByRole("button")).toHaveCount(0);
  await expect(supportPage.getByRole("main").locator("form")).toHaveCount(0);
});

test("the admin sees every partner account's status", async ({ adminPage }) => {
  await adminPage.goto("/admin/accounts");
  const row = adminPage.getByRole("row", { name: `${DEMO_ORGANISATION} on Sandbox payer (SFTP, password + key)` });
  await expect(row).toContainText("complete");
  await expect(row.getByRole("cell").nth(5)).toHaveText("yes");
});

test("an org-admin invites a colleague by email from their account page", async ({ partnerPage, adminPage }) => {
  const email = `colleague-${Date.now()}@clinic.example`;
  await partnerPage.goto("/account");
  const form = partnerPage.getByRole("form", { name: "Invite a colleague" });
  await form.getByLabel("Colleague's email").fill(email);
  await form.getByRole("button", { name: "Email an invitation" }).click();
  await expect(form.getByRole("status")).toContainText(`Invitation emailed to ${email}`);
  // The partner never sees the link itself: it went to the colleague's mailbox.
  await expect(form.getByLabel("Invitation link")).toHaveCount(0);
  const link = await new MailInbox(adminPage).linkInLatest(email, /invited to the EDI Transfer Portal/);
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{20,}$/);
  await expect(partnerPage.getByText(`Open invitations: ${email}`)).toBeVisible();
});

test("an org-admin inviting an address that already has an account (here: support staff) gets the same answer; its owner gets a neutral note", async ({ partnerPage, adminPage }) => {
  const form = partnerPage.getByRole("form", { name: "Invite a colleague" });
  const answerFor = async (email: string) => {
    await partnerPage.goto("/account");
    await form.getByLabel("Colleague's email").fill(email);
    await form.getByRole("button", { name: "Email an invitation" }).click();
    await expect(form.getByRole("status")).toContainText(`Invitation emailed to ${email}`);
    return (await form.getByRole("status").innerText()).replace(email, "<address>");
  };
  const fresh = await answerFor(`newcomer-${Date.now()}@clinic.example`);
  const staff = e2eCredentials.support.email;
  expect(await answerFor(staff)).toBe(fresh);

  const note = await new MailInbox(adminPage).textOfLatest(staff, /Someone tried to invite you/);
  await expect(note).toContainText("nothing was changed and no second account was created");
  await expect(note).not.toContainText(DEMO_ORGANISATION);
  await expect(note.getByRole("link")).toHaveCount(0);
});
