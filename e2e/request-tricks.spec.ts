import { expect, test } from "./fixtures";

const subrequestVariants = [
  "middleware",
  "src/middleware",
  "pages/_middleware",
  "middleware:middleware:middleware:middleware:middleware",
  "proxy:proxy:proxy:proxy:proxy",
];

test("x-middleware-subrequest headers are treated like any other header", async ({ request }) => {
  for (const value of subrequestVariants) {
    const response = await request.get("/admin/registrations", { headers: { "x-middleware-subrequest": value }, maxRedirects: 0 });
    expect(response.status(), value).toBe(307);
    expect(response.headers()["location"], value).toContain("/sign-in");
  }
});

test("a signed-in partner cannot reach admin pages with the header either", async ({ partnerPage }) => {
  await partnerPage.setExtraHTTPHeaders({ "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" });
  await partnerPage.goto("/admin/audit");
  await expect(partnerPage).toHaveURL(/\/dashboard$/);
  await expect(partnerPage.getByText("Audit log")).toHaveCount(0);
});

test("a partner gets 'not found' for another organisation's page", async ({ partnerPage, adminPage }) => {
  await adminPage.goto("/admin/organisations");
  const link = adminPage.getByRole("link", { name: /Clinic/ }).first();
  const href = await link.getAttribute("href");
  expect(href).toMatch(/\/admin\/organisations\/[0-9a-f-]{36}$/);
  const response = await partnerPage.goto(href!);
  // Partners never see admin pages: they land on their own dashboard, with no data from the other org.
  await expect(partnerPage).toHaveURL(/\/dashboard$/);
  expect(response?.ok()).toBe(true);
});

test("pages say nothing about the server stack", async ({ request }) => {
  const response = await request.get("/sign-in");
  expect(response.headers()["x-powered-by"]).toBeUndefined();
  expect(response.headers()["x-content-type-options"]).toBe("nosniff");
});
