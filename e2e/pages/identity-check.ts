import { expect, type Locator } from "@playwright/test";

/**
 * Submits a form guarded by "confirm it is you" (a sign-in more than five minutes old). A page
 * rendered after those five minutes shows the password field up front; when the session crosses
 * them while the page is open, the field is not there yet and the server asks for it in its answer
 * instead. Either way the form goes through with the password, as a person would send it.
 */
export async function submitConfirmingIdentity(options: {
  /** The identity check's password field. */
  field: Locator;
  submit: Locator;
  password: string;
  /** What the page shows once the action went through. */
  done: Locator;
}): Promise<void> {
  const { field, submit, password, done } = options;
  const askedUpFront = await field.isVisible();
  if (askedUpFront) await field.fill(password);
  await submit.click();
  if (askedUpFront) return expect(done).toBeVisible();
  await expect(done.or(field).first()).toBeVisible();
  if (await done.isVisible()) return;
  await field.fill(password);
  await submit.click();
  await expect(done).toBeVisible();
}
