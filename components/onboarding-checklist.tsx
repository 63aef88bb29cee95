import Link from "next/link";
import type { OnboardingStep, StepState } from "@/lib/organisations/onboarding-steps";

const stateLabel: Record<StepState, string> = { done: "Done", action: "Your turn", waiting: "Waiting", later: "Later" };
const stateStyle: Record<StepState, string> = {
  done: "bg-green-100 text-green-900",
  action: "bg-brand-100 text-brand-900",
  waiting: "bg-amber-100 text-amber-900",
  later: "bg-slate-100 text-slate-700",
};

/**
 * The dashboard's set-up checklist: every step with its real state (lib/organisations/onboarding-steps.ts),
 * what happens next and where to act. Each step is a list item named by its title, so a screen reader
 * (and a test) finds "Your payer account" and reads its state first.
 */
export function OnboardingChecklist({ steps }: { steps: OnboardingStep[] }) {
  const open = steps.filter((step) => step.state !== "done").length;
  const list = (
    <ol className="space-y-3" aria-label="Set-up steps">
      {steps.map((step, index) => (
        <li key={step.id} aria-label={step.title} className="rounded-lg border border-slate-200 bg-white p-4">
          <div className="flex flex-wrap items-center gap-2">
            <span className={`rounded px-2 py-0.5 text-xs font-medium ${stateStyle[step.state]}`}>{stateLabel[step.state]}</span>
            <h3 className="font-medium">
              {index + 1}. {step.title}
            </h3>
          </div>
          <p className="mt-1 text-sm text-slate-800">{step.status}</p>
          {step.next ? (
            <p className="mt-1 text-sm text-slate-600">
              <span className="font-medium">What happens next: </span>
              {step.next}
            </p>
          ) : null}
          {step.link ? (
            <p className="mt-2 text-sm">
              <Link href={step.link.href} className="text-brand-700 underline">
                {step.link.label}
              </Link>
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  );
  return (
    <section aria-labelledby="set-up-heading" className="mb-8 space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="set-up-heading" className="text-lg font-semibold">
          Getting set up
        </h2>
        <p className="text-sm text-slate-600">{open === 0 ? "Every step is done." : `${steps.length - open} of ${steps.length} steps done`}</p>
      </div>
      {open === 0 ? (
        // Once everything is in place the dashboard leads with the transfers: the steps stay one click away.
        <details className="rounded-lg border border-slate-200 bg-white p-4 text-sm">
          <summary className="cursor-pointer font-medium">Show the set-up steps</summary>
          <div className="mt-3">{list}</div>
        </details>
      ) : (
        list
      )}
    </section>
  );
}
