import { describe, expect, it } from "vitest";
import { searchGuides } from "@/lib/guides/search";

function top(query: string): string | undefined {
  return searchGuides(query)[0]?.guide.slug;
}

describe("searchGuides", () => {
  it.each([
    ["530", "login-rejected"],
    ["530 Login incorrect", "login-rejected"],
    ["partial success", "key-rejected"],
    ["wildcard", "certificate-warnings-wildcards"],
    ["passive", "passive-data-blocked"],
    ["host key changed", "host-key-mismatch"],
    ["locked", "account-locked"],
    ["AUTH_LOCKED", "account-locked"],
    ["tls hostname mismatch", "certificate-name-mismatch"],
    ["no matching key exchange method found", "no-common-algorithm"],
    ["egress IP", "egress-ip-allow-list"],
    ["firewall port 22", "firewall-sftp"],
    ["FTP inspection", "ftp-inspection-filters"],
    ["RSA 2048", "rsa-2048-keys"],
  ])("finds %j -> %s first", (query, slug) => {
    expect(top(query)).toBe(slug);
  });

  it("ranks the FTPS firewall article near the top for passive-port questions", () => {
    const slugs = searchGuides("passive").slice(0, 3).map((result) => result.guide.slug);
    expect(slugs).toContain("firewall-ftps");
  });

  it("returns nothing for empty or meaningless queries, and scores in descending order", () => {
    expect(searchGuides("")).toEqual([]);
    expect(searchGuides("   the of ")).toEqual([]);
    expect(searchGuides("xylophone")).toEqual([]);
    const scores = searchGuides("certificate").map((result) => result.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });
});
