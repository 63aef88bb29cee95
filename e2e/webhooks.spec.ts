import { expect, test } from "./fixtures";
import { e2eCredentials } from "./credentials";
import { closedPort } from "../test/support/closed-port";
import { submitConfirmingIdentity } from "./pages/identity-check";

test("an org-admin adds a webhook, sees its signing secret once, sends a test event and reads the attempt in the delivery log", async ({ partnerPage }) => {
  await partnerPage.goto("/account");
  await partnerPage.getByRole("region", { name: "Webhooks" }).getByRole("link", { name: "Manage webhooks" }).click();
  await expect(partnerPage.getByRole("heading", { level: 1, name: "Webhooks" })).toBeVisible();
  const form = partnerPage.getByRole("form", { name: "Add a webhook" });
  const password = form.getByLabel("Your portal password");

  // Plain HTTP is refused next to the field.
  await form.getByLabel("Receiver URL").fill("http://hooks.example.com/edi");
  if (await password.isVisible()) await password.fill(e2eCredentials.partner.password);
  await form.getByRole("button", { name: "Add webhook" }).click();
  await expect(form.getByText("Webhooks are sent over HTTPS only")).toBeVisible();

  // A receiver that is not listening (the e2e portal allows loopback addresses).
  const url = `https://127.0.0.1:${await closedPort()}/edi-events`;
  await form.getByLabel("Receiver URL").fill(url);
  await form.getByLabel("Description (optional)").fill("billing system");
  await submitConfirmingIdentity({
    field: password,
    submit: form.getByRole("button", { name: "Add webhook" }),
    password: e2eCredentials.partner.password,
    done: form.getByRole("status").filter({ hasText: "shown only this once" }),
  });
  await expect(form.getByLabel("New signing secret")).toHaveText(/^whsec_[A-Za-z0-9_-]{43}$/);

  const webhook = partnerPage.getByRole("list", { name: "Webhooks" }).getByRole("listitem", { name: `Webhook ${url}` });
  await expect(webhook).toContainText("transfer.delivered, transfer.needs_attention, transfer.failed");
  await webhook.getByRole("button", { name: "Send test event" }).click();
  await expect(webhook.getByRole("status")).toContainText("Test event queued");

  // The page follows the delivery while it is pending: the refused connection is logged, and retried.
  const log = partnerPage.getByRole("table", { name: "Webhook deliveries" });
  const row = log.getByRole("row").filter({ hasText: "webhook.test" }).filter({ hasText: url });
  await expect(row).toContainText("no response", { timeout: 20_000 });
  // One category for every failure before a trusted connection: the log is not a port scanner.
  await expect(row).toContainText("Could not connect");
  await expect(row).not.toContainText("ECONNREFUSED");
  await expect(row).toContainText("retrying");

  // The secret is never shown again.
  await partnerPage.reload();
  await expect(partnerPage.getByLabel("New signing secret")).toHaveCount(0);
  await expect(partnerPage.getByText(/whsec_/)).toHaveCount(0);

  await webhook.getByRole("button", { name: "Delete" }).click();
  await expect(webhook).toHaveCount(0);
});

test("each user turns the daily summary on and off on the account page", async ({ partnerPage }) => {
  await partnerPage.goto("/account");
  const section = partnerPage.getByRole("region", { name: "Daily summary" });
  await expect(section).toContainText("Status: off");
  await section.getByRole("button", { name: "Send me the daily summary" }).click();
  await expect(section.getByRole("status")).toContainText("every morning at 06:00 UTC");
  await expect(section).toContainText("Status: you receive it");
  await section.getByRole("button", { name: "Stop the daily summary" }).click();
  await expect(section).toContainText("Status: off");
});
