"use client";

import { shortDay } from "@/components/day-label";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface TransferChartDay {
  /** YYYY-MM-DD (UTC). */
  day: string;
  delivered: number;
  failed: number;
  other: number;
}

const SERIES = [
  { key: "delivered", name: "Delivered", color: "#15803d" },
  { key: "failed", name: "Failed or needs attention", color: "#dc2626" },
  { key: "other", name: "In progress", color: "#64748b" },
] as const;

/**
 * Transfers per day, stacked by outcome: dated axis, counted axis, a tooltip per day and a legend.
 * Drawn in the browser (Recharts); the figures come from the server as plain props.
 */
export function TransferChart({ days }: { days: TransferChartDay[] }) {
  return (
    <div className="h-64 w-full text-slate-600" data-testid="transfer-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={days} margin={{ top: 8, right: 8, bottom: 0, left: -12 }} title={`Transfers per day, ${days.length} days`} desc="Focus the chart and use the left and right arrow keys to read each day." aria-label={`Transfers per day, last ${days.length} days`}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#cbd5e1" />
          <XAxis dataKey="day" tickFormatter={shortDay} tick={{ fontSize: 12, fill: "currentColor" }} stroke="#94a3b8" minTickGap={12} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12, fill: "currentColor" }} stroke="#94a3b8" width={48} />
          <Tooltip
            labelFormatter={(label) => `${shortDay(String(label))} (UTC)`}
            cursor={{ fill: "rgba(148, 163, 184, 0.2)" }}
            contentStyle={{ fontSize: 12, borderRadius: 6, color: "#0f172a" }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {SERIES.map((series) => (
            <Bar key={series.key} dataKey={series.key} name={series.name} stackId="transfers" fill={series.color} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
