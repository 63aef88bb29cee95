/*
 * The partner dashboard's set-up checklist, derived from what the database says: the organisation's
 * decision, its payer accounts, each account's password and key, and its deliveries. Pure, so every
 * state can be tested; lib/organisations/onboarding.ts loads the facts with the partner's rights.
 */

/** done: nothing left; action: the partner acts now; waiting: someone else acts (the admin, the payer); later: after an earlier step. */
export type StepState = "done" | "action" | "waiting" | "later";

export interface OnboardingStep {
  id: string;
  title: string;
  state: StepState;
  /** Where the step stands, in a sentence. */
  status: string;
  /** What happens next, and who does it. */
  next?: string;
  /** Where the partner can act (or will see the result). */
  link?: { href: string; label: string };
}

export interface OnboardingAccountFacts {
  accountId: string;
  username: string;
  destinationName: string;
  protocol: string;
  auth: string;
  secretsSetBy: "partner" | "admin";
  accountDisabled: boolean;
  destinationDisabled: boolean;
  passwordSetAt: Date | null;
  installedKeys: number;
  pendingKeys: number;
  lastDeliveredAt: Date | null;
}

export interface OnboardingFacts {
  decidedAt: Date | null;
  accounts: OnboardingAccountFacts[];
}

const KEYS = "/keys";

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function passwordStep(account: OnboardingAccountFacts): OnboardingStep {
  const base = { id: `password:${account.accountId}`, title: `Password for ${account.destinationName}` };
  if (account.passwordSetAt) return { ...base, state: "done", status: `Stored on ${day(account.passwordSetAt)} for user ${account.username}.` };
  if (account.secretsSetBy === "admin") {
    return {
      ...base,
      state: "waiting",
      status: `Waiting for the admin to store the password of user ${account.username}.`,
      next: "An administrator manages this account's password and key. Once it is stored, this step turns done by itself.",
    };
  }
  return {
    ...base,
    state: "action",
    status: `No password stored yet for user ${account.username}.`,
    next: "Store the password your payer issued for this user. It is encrypted and never shown again.",
    link: { href: KEYS, label: "Store the password" },
  };
}

function keyStep(account: OnboardingAccountFacts): OnboardingStep {
  const base = { id: `key:${account.accountId}`, title: `RSA key for ${account.destinationName}` };
  if (account.installedKeys > 0) return { ...base, state: "done", status: `Installed on the payer's server for user ${account.username}.` };
  if (account.pendingKeys > 0) {
    return {
      ...base,
      state: "waiting",
      status: "Waiting for the payer to install your key.",
      next: `Send the public key to your payer and ask them to install it for user ${account.username}. Once the payer confirms, an administrator marks it installed here and you get an email; from then on deliveries sign in with it.`,
      link: { href: KEYS, label: "Download the public key" },
    };
  }
  if (account.secretsSetBy === "admin") {
    return {
      ...base,
      state: "waiting",
      status: `Waiting for the admin to add the key of user ${account.username}.`,
      next: "An administrator manages this account's password and key. Once the payer has installed it, this step turns done by itself.",
    };
  }
  return {
    ...base,
    state: "action",
    status: "No key yet.",
    next: "Generate an RSA key here (or upload yours), then send its public half to your payer to install.",
    link: { href: KEYS, label: "Generate or upload a key" },
  };
}

/** Whether the destination asks for a password (FTPS always; SFTP unless key-only) and for a key (SFTP unless password-only). */
function needs(account: OnboardingAccountFacts): { password: boolean; key: boolean } {
  return { password: account.protocol !== "sftp" || account.auth !== "key", key: account.protocol === "sftp" && account.auth !== "password" };
}

export function onboardingSteps(facts: OnboardingFacts): OnboardingStep[] {
  const steps: OnboardingStep[] = [
    {
      id: "registration",
      title: "Registration approved",
      state: "done",
      status: facts.decidedAt ? `An administrator approved your organisation on ${day(facts.decidedAt)}.` : "An administrator approved your organisation.",
    },
  ];
  const usable = facts.accounts.filter((account) => !account.accountDisabled && !account.destinationDisabled);
  if (usable.length === 0) {
    steps.push({
      id: "payer-account",
      title: "Your payer account",
      state: "waiting",
      status: facts.accounts.length
        ? "Your payer account is switched off: waiting for the admin to switch it on again."
        : "Waiting for the admin to create your payer account.",
      next: facts.accounts.length
        ? "Nothing can be sent meanwhile. Ask our support team why it was switched off."
        : "Once your payer has issued your user name, an administrator creates the account on the portal. It then appears on Keys & credentials, where you store its password and key, and this step turns done by itself.",
      link: { href: KEYS, label: "Keys & credentials" },
    });
  } else {
    steps.push({
      id: "payer-account",
      title: usable.length === 1 ? "Your payer account" : "Your payer accounts",
      state: "done",
      status: `${usable.map((account) => `User ${account.username} on ${account.destinationName}`).join("; ")}.`,
    });
    for (const account of usable) {
      const need = needs(account);
      if (need.password) steps.push(passwordStep(account));
      if (need.key) steps.push(keyStep(account));
    }
  }
  const delivered = facts.accounts.map((account) => account.lastDeliveredAt).filter((at): at is Date => at !== null);
  const ready = usable.some((account) => {
    const need = needs(account);
    return (!need.password || account.passwordSetAt) && (!need.key || account.installedKeys > 0);
  });
  if (delivered.length) {
    steps.push({ id: "first-delivery", title: "First file delivered", state: "done", status: `Your latest delivery: ${day(new Date(Math.max(...delivered.map((at) => at.getTime()))))}.` });
  } else if (ready) {
    steps.push({
      id: "first-delivery",
      title: "Send your first file",
      state: "action",
      status: "Everything your payer asks for is in place.",
      next: "Upload a claim file (a test file first, if your payer asks for one); the portal relays it and shows every attempt.",
      link: { href: "/upload", label: "Upload a file" },
    });
  } else {
    steps.push({
      id: "first-delivery",
      title: "Send your first file",
      state: "later",
      status: "Possible once the steps above are done.",
      next: "Then upload claim files in the browser; the portal relays them to your payer from its fixed address.",
    });
  }
  return steps;
}
