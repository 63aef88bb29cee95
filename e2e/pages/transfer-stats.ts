import { expect, type Locator, type Page } from "@playwright/test";

/** The transfer statistics block (dashboard, support transfers, an organisation's page). */
export class TransferStatsPanel {
  readonly region: Locator;
  readonly chart: Locator;

  constructor(
    private readonly page: Page,
    within?: Locator,
  ) {
    this.region = (within ?? page).getByRole("region", { name: "Transfer statistics" });
    this.chart = this.region.getByTestId("transfer-chart");
  }

  /** The chart's drawing (not the legend's icons). */
  surface(): Locator {
    return this.chart.locator(".recharts-wrapper > svg");
  }

  xTicks(): Locator {
    return this.chart.locator(".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value");
  }

  yTicks(): Locator {
    return this.chart.locator(".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value");
  }

  tooltip(): Locator {
    return this.chart.locator(".recharts-tooltip-wrapper");
  }

  /** Moves the mouse over the last day's bar (today) of a `days`-day chart: the tooltip opens for that day. */
  async hoverToday(days = 14): Promise<void> {
    const grid = this.chart.locator(".recharts-cartesian-grid");
    await expect(grid).toBeVisible();
    // The mouse moves in the viewport: bring the chart into it (the set-up checklist may sit above it).
    await grid.scrollIntoViewIfNeeded();
    const box = (await grid.boundingBox())!;
    await this.page.mouse.move(box.x + box.width - box.width / days / 2, box.y + box.height / 2);
  }

  failureCauses(): Locator {
    return this.region.getByRole("list", { name: "Top failure causes" });
  }
}
