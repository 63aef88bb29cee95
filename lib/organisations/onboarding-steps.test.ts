import { describe, expect, it } from "vitest";
import { onboardingSteps, type OnboardingAccountFacts } from "@/lib/organisations/onboarding-steps";

function account(overrides: Partial<OnboardingAccountFacts> = {}): OnboardingAccountFacts {
  return {
    accountId: "a1",
    username: "clinic01",
    destinationName: "Florida Medicaid",
    protocol: "sftp",
    auth: "password_and_key",
    secretsSetBy: "partner",
    accountDisabled: false,
    destinationDisabled: false,
    passwordSetAt: null,
    installedKeys: 0,
    pendingKeys: 0,
    lastDeliveredAt: null,
    ...overrides,
  };
}

const approvedOn = new Date("2026-12-01T09:00:00Z");
const byId = (accounts: OnboardingAccountFacts[]) => Object.fromEntries(onboardingSteps({ decidedAt: approvedOn, accounts }).map((step) => [step.id, step]));

describe("the set-up checklist's states", () => {
  it("waits for the admin while there is no payer account, and says the first file comes later", () => {
    const steps = onboardingSteps({ decidedAt: approvedOn, accounts: [] });
    expect(steps.map((step) => [step.id, step.state])).toEqual([
      ["registration", "done"],
      ["payer-account", "waiting"],
      ["first-delivery", "later"],
    ]);
    expect(steps[0].status).toContain("2026-12-01");
    expect(steps[1].status).toBe("Waiting for the admin to create your payer account.");
  });

  it("asks for both the password and the key where the payer wants both, and only then offers the upload", () => {
    let steps = byId([account()]);
    expect(steps["password:a1"].state).toBe("action");
    expect(steps["key:a1"].state).toBe("action");
    expect(steps["first-delivery"].state).toBe("later");

    steps = byId([account({ passwordSetAt: new Date("2026-12-02T00:00:00Z"), pendingKeys: 1 })]);
    expect(steps["password:a1"]).toMatchObject({ state: "done", status: "Stored on 2026-12-02 for user clinic01." });
    expect(steps["key:a1"]).toMatchObject({ state: "waiting", status: "Waiting for the payer to install your key.", link: { href: "/keys" } });
    expect(steps["first-delivery"].state).toBe("later");

    steps = byId([account({ passwordSetAt: new Date(), installedKeys: 1 })]);
    expect(steps["key:a1"].state).toBe("done");
    expect(steps["first-delivery"]).toMatchObject({ state: "action", link: { href: "/upload" } });
  });

  it("never asks for a key on FTPS or password-only SFTP", () => {
    expect(byId([account({ protocol: "ftps_explicit", auth: "password" })])["key:a1"]).toBeUndefined();
    expect(byId([account({ auth: "password" })])["key:a1"]).toBeUndefined();
    expect(byId([account({ auth: "key" })])["password:a1"]).toBeUndefined();
  });

  it("says the admin acts on an account whose secrets the admin manages", () => {
    const steps = byId([account({ secretsSetBy: "admin" })]);
    expect(steps["password:a1"]).toMatchObject({ state: "waiting", status: "Waiting for the admin to store the password of user clinic01." });
    expect(steps["key:a1"]).toMatchObject({ state: "waiting", status: "Waiting for the admin to add the key of user clinic01." });
  });

  it("treats an account switched off as no account, and lists every account that works", () => {
    expect(byId([account({ accountDisabled: true })])["payer-account"]).toMatchObject({ state: "waiting", status: expect.stringContaining("switched off") });
    const steps = byId([account(), account({ accountId: "a2", username: "clinic02", destinationName: "Gulf Clearinghouse", protocol: "ftps_explicit", auth: "password" })]);
    expect(steps["payer-account"]).toMatchObject({ state: "done", title: "Your payer accounts", status: "User clinic01 on Florida Medicaid; User clinic02 on Gulf Clearinghouse." });
    expect(Object.keys(steps)).toEqual(["registration", "payer-account", "password:a1", "key:a1", "password:a2", "first-delivery"]);
  });

  it("counts any delivery as the first file done, with the latest day", () => {
    const steps = byId([account({ lastDeliveredAt: new Date("2026-11-20T00:00:00Z") }), account({ accountId: "a2", lastDeliveredAt: new Date("2026-11-29T00:00:00Z") })]);
    expect(steps["first-delivery"]).toMatchObject({ state: "done", status: "Your latest delivery: 2026-11-29." });
  });
});
