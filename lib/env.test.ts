import { afterEach, describe, expect, it } from "vitest";
import { env, resetEnvCache } from "@/lib/env";

const saved = { PORT: process.env.PORT, PUBLIC_URL: process.env.PUBLIC_URL };

afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnvCache();
});

describe("environment", () => {
  it("points links at the port the portal listens on when PUBLIC_URL is unset", () => {
    delete process.env.PUBLIC_URL;
    process.env.PORT = "3398";
    resetEnvCache();
    expect(env().PUBLIC_URL).toBe("http://localhost:3398");
  });

  it("keeps an explicit PUBLIC_URL and refuses one that is not a URL", () => {
    process.env.PUBLIC_URL = "https://edi.example.org";
    resetEnvCache();
    expect(env().PUBLIC_URL).toBe("https://edi.example.org");
    process.env.PUBLIC_URL = "edi.example.org";
    resetEnvCache();
    expect(() => env()).toThrow(/PUBLIC_URL/);
  });
});
