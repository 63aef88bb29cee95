/** Logins the e2e portal is started with (test-only values, passed through the environment). */
export const e2eCredentials = {
  admin: { email: "admin@e2e.example", password: "e2e admin passphrase 2026" },
  partner: { email: "partner@demo.example", password: "e2e demo passphrase 2026" },
  support: { email: "support@demo.example", password: "e2e demo passphrase 2026" },
} as const;

export type E2eRole = keyof typeof e2eCredentials;

/** Per port, so two e2e runs side by side never swap each other's sign-in state. */
export const storageStatePath = (role: E2eRole) => `playwright/.auth/${process.env.E2E_PORT ?? "3100"}/${role}.json`;
