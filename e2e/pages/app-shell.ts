import { expect, type Locator, type Page } from "@playwright/test";

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

/** The header every signed-in page shares: the main navigation, its phone menu and the theme menu. */
export class AppShell {
  constructor(private readonly page: Page) {}

  /** The main navigation: the row of tabs on wide screens, the list inside the open menu on phones. */
  mainNav() {
    return this.page.getByRole("navigation", { name: "Main" });
  }

  /** The number shown beside a section (the admin's registrations waiting): its link's description; 0 when there is none. */
  async waitingCount(label: string): Promise<number> {
    return waitingCountOf(this.mainNav().getByRole("link", { name: label, exact: true }));
  }

  /** The same number on the closed phone menu's button (everything waiting inside). */
  async menuWaitingCount(): Promise<number> {
    return waitingCountOf(this.menuButton());
  }

  currentSection() {
    return this.mainNav().locator('a[aria-current="page"]');
  }

  menuButton() {
    return this.page.getByRole("button", { name: "Menu", exact: true });
  }

  menu() {
    return this.page.getByRole("dialog", { name: "Menu" });
  }

  async openMenu() {
    await this.menuButton().click();
    await expect(this.menu()).toBeVisible();
  }

  themeButton() {
    return this.page.getByRole("button", { name: "Theme", exact: true });
  }

  themeChoice(label: "Light" | "Dark" | "System") {
    return this.page.getByRole("menuitemradio", { name: label });
  }

  async chooseTheme(label: "Light" | "Dark" | "System") {
    await this.themeButton().click();
    await this.themeChoice(label).click();
    await expect(this.page.getByRole("menu")).toHaveCount(0);
  }

  /** Whether <html> carries next-themes' `dark` class. */
  async isDark(): Promise<boolean> {
    return this.page.evaluate(() => document.documentElement.classList.contains("dark"));
  }
}

/** "3 waiting" in an element's description (aria-describedby) as 3; 0 when it has none. */
async function waitingCountOf(element: Locator): Promise<number> {
  await expect(element).toBeVisible();
  const description = await element.evaluate((node) => {
    const id = node.getAttribute("aria-describedby");
    return id ? (document.getElementById(id)?.textContent ?? "") : "";
  });
  return Number(/^(\d+) waiting$/.exec(description)?.[1] ?? 0);
}

/** Elements sticking out past the right edge of the viewport: what makes a page scroll sideways. */
export async function sidewaysOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const clientWidth = root.clientWidth;
    const culprits: string[] = [];
    if (root.scrollWidth > clientWidth) {
      for (const element of Array.from(document.body.querySelectorAll<HTMLElement>("*"))) {
        const right = element.getBoundingClientRect().right;
        // Inside a container that scrolls on its own, sticking out is the point (unless the element is
        // placed absolutely against something outside that container, which then does not clip it).
        let clipped = false;
        const placed = ["absolute", "fixed"].includes(getComputedStyle(element).position);
        for (let parent = element.parentElement; parent && parent !== document.body && !placed; parent = parent.parentElement) {
          const overflowX = getComputedStyle(parent).overflowX;
          if (overflowX !== "visible") {
            clipped = true;
            break;
          }
        }
        if (right > clientWidth + 0.5 && !clipped) {
          const name = `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}.${String(element.className).split(" ").slice(0, 4).join(".")}`;
          culprits.push(`${name} (right edge ${Math.round(right)})`);
          if (culprits.length >= 5) break;
        }
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth, culprits };
  });
}
