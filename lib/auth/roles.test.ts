import { describe, expect, it } from "vitest";
import { activeNavHref, navigation } from "@/lib/auth/roles";

describe("activeNavHref: the section a page belongs to", () => {
  it.each([
    ["partner", "/dashboard", "/dashboard"],
    ["partner", "/history", "/history"],
    ["partner", "/transfers/5f0c", "/history"],
    ["partner", "/responses/5f0c", "/responses"],
    ["partner", "/troubleshooting/setup/5f0c", "/troubleshooting"],
    ["partner", "/diagnoses/5f0c", "/troubleshooting"],
    ["partner", "/guides/host-key-changed", "/troubleshooting"],
    ["partner", "/account", null],
    ["partner", "/historyx", null],
    ["admin", "/admin/destinations/5f0c", "/admin/destinations"],
    ["admin", "/admin/destinations/new", "/admin/destinations"],
    ["admin", "/admin/organisations/5f0c", "/admin/organisations"],
    ["admin", "/admin/mail/5f0c", "/admin/mail"],
    ["admin", "/transfers/5f0c", "/admin/destinations"],
    ["admin", "/responses/5f0c", "/responses"],
    ["support", "/transfers/5f0c", "/support/transfers"],
    ["support", "/support/organisations/5f0c", "/support/organisations"],
    ["support", "/diagnoses/5f0c", "/support/diagnostics"],
  ] as const)("%s on %s → %s", (role, pathname, expected) => {
    expect(activeNavHref(navigation[role], pathname)).toBe(expected);
  });

  it("prefers the longest matching path", () => {
    const items = [
      { href: "/a", label: "A", also: ["/a/b/c"] },
      { href: "/a/b", label: "B" },
    ];
    expect(activeNavHref(items, "/a/b/x")).toBe("/a/b");
    expect(activeNavHref(items, "/a/b/c/d")).toBe("/a");
    expect(activeNavHref(items, "/a/x")).toBe("/a");
  });
});
