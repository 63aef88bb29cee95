import "server-only";
import { requireApprovedPartner, type Actor } from "@/lib/auth/actor";
import { getOrganisation } from "@/lib/organisations/service";
import { listAccountStatuses } from "@/lib/partner-accounts/status";
import { onboardingSteps, type OnboardingStep } from "@/lib/organisations/onboarding-steps";

/**
 * The partner's set-up checklist: each step's real state from their organisation's decision, payer
 * accounts, passwords, keys and deliveries (lib/organisations/onboarding-steps.ts). Partners of an
 * approved organisation only; both reads authorize the actor for their own organisation.
 */
export async function getOnboardingChecklist(actor: Actor): Promise<OnboardingStep[]> {
  return (await getPartnerDashboard(actor)).steps;
}

/** The dashboard's organisation and its checklist, the organisation read once for both. */
export async function getPartnerDashboard(actor: Actor) {
  const partner = requireApprovedPartner(actor);
  const [organisation, accounts] = await Promise.all([getOrganisation(partner, partner.organisationId), listAccountStatuses(partner)]);
  return { organisation, steps: onboardingSteps({ decidedAt: organisation.decidedAt, accounts }) };
}
