import nextVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTypescript,
  {
    ignores: [".next/**", "node_modules/**", "data/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "scripts/*.cjs"],
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    // Playwright fixtures call `use`, which is not React's hook.
    files: ["e2e/**/*.ts", "test/**/*.ts", "**/*.test.ts"],
    rules: { "react-hooks/rules-of-hooks": "off" },
  },
  /*
   * Layers run one way: app/ → lib/<feature>/ services → db/ repositories. The database layer
   * knows tables only (and the shared error types); services reach tables through repositories;
   * shared components never reach into a route.
   */
  {
    files: ["db/**/*.ts"],
    ignores: ["db/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^@/lib/(?!errors$)", message: "db/ imports nothing from lib/ except @/lib/errors: pass what it needs in, or move the logic into a service." }] },
      ],
    },
  },
  {
    files: ["lib/**/*.ts", "lib/**/*.tsx"],
    ignores: ["lib/**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "drizzle-orm", message: "Services reach tables through db/repositories; put the query there." },
            { name: "@/db/schema", allowTypeImports: true, message: "Services use row types only (import type); table access goes through db/repositories." },
          ],
          patterns: [{ regex: "^@/app/", message: "lib/ never imports a route." }],
        },
      ],
    },
  },
  {
    files: ["components/**/*.ts", "components/**/*.tsx"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: "^@/app/", message: "Shared components do not import from app/: move what both need into components/ or lib/." }] }],
    },
  },
];

export default config;
