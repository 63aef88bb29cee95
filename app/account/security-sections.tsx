import type { Actor } from "@/lib/auth/actor";
import { getOrganisation } from "@/lib/organisations/service";
import { listOwnSessions } from "@/lib/auth/sessions";
import { enrolmentView, twoFactorStatus } from "@/lib/auth/two-factor";
import { TwoFactorEnrolment } from "@/components/two-factor-enrolment";
import { needsReauthentication } from "@/lib/auth/recent-auth";
import { env } from "@/lib/env";
import {
  ConfirmTwoFactorForm,
  DisableTwoFactorForm,
  OrganisationTwoFactorForm,
  RegenerateRecoveryCodesForm,
  SessionRow,
  SignOutOthersForm,
  StartTwoFactorForm,
} from "@/app/account/security-forms";

const requirementText = {
  role: "Administrator and support accounts must use it.",
  organisation: "Your organisation requires it for all its users.",
} as const;

/** Two-factor sign-in: set it up, renew recovery codes, turn it off where allowed. */
export async function TwoFactorSection({ actor }: { actor: Actor }) {
  const status = await twoFactorStatus(actor);
  const view = !status.enabled && status.enrolling ? await enrolmentView(actor) : null;
  const needsProof = needsReauthentication(actor);
  const organisation = actor.role === "partner" && actor.isOrgAdmin && actor.organisationId ? await getOrganisation(actor, actor.organisationId) : null;
  return (
    <section aria-labelledby="two-factor-heading" className="rounded-lg border border-slate-200 bg-white p-5 lg:col-span-2">
      <h2 id="two-factor-heading" className="mb-1 text-lg font-semibold">
        Two-factor sign-in
      </h2>
      <p className="mb-4 text-sm text-slate-600">
        {status.enabled
          ? `On since ${status.enabledAt!.toISOString().slice(0, 10)}. After your password, sign-in asks for a code from your authenticator app. ${status.recoveryCodesLeft} of 10 recovery codes left.`
          : "Off. Turn it on so that a stolen password alone cannot open your account."}{" "}
        {status.required ? requirementText[status.required] : null}
      </p>
      <div className="grid gap-6 lg:grid-cols-2">
        {view ? (
          <>
            <TwoFactorEnrolment view={view} />
            <ConfirmTwoFactorForm />
          </>
        ) : null}
        {!status.enabled && !view ? <StartTwoFactorForm needsProof={needsProof} /> : null}
        {status.enabled ? <RegenerateRecoveryCodesForm needsProof={needsProof} /> : null}
        {status.enabled && !status.required ? <DisableTwoFactorForm needsProof={needsProof} /> : null}
        {organisation ? (
          <div>
            <h3 className="mb-2 font-medium">Your organisation&apos;s rule</h3>
            <OrganisationTwoFactorForm required={organisation.requireTwoFactor} />
          </div>
        ) : null}
      </div>
    </section>
  );
}

function describeDevice(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  const browser = /Edg\//.test(userAgent) ? "Edge" : /Firefox\//.test(userAgent) ? "Firefox" : /Chrome\//.test(userAgent) ? "Chrome" : /Safari\//.test(userAgent) ? "Safari" : null;
  const system = /Windows/.test(userAgent) ? "Windows" : /Mac OS X/.test(userAgent) ? "macOS" : /Android/.test(userAgent) ? "Android" : /iPhone|iPad/.test(userAgent) ? "iOS" : /Linux/.test(userAgent) ? "Linux" : null;
  return browser && system ? `${browser} on ${system}` : userAgent.slice(0, 60);
}

/** Where the account is signed in, with a way to end any of those sessions. */
export async function SessionsSection({ actor }: { actor: Actor }) {
  const sessions = await listOwnSessions(actor);
  const { SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS } = env();
  return (
    <section aria-labelledby="sessions-heading" className="rounded-lg border border-slate-200 bg-white p-5 lg:col-span-2">
      <h2 id="sessions-heading" className="mb-1 text-lg font-semibold">
        Active sessions
      </h2>
      <p className="mb-3 text-sm text-slate-600">Browsers signed in to your account. A session ends after {SESSION_IDLE_MINUTES} minutes without use, or {SESSION_ABSOLUTE_HOURS} hours after sign-in.</p>
      <ul aria-label="Your active sessions" className="divide-y divide-slate-200">
        {sessions.map((s) => (
          <SessionRow
            key={s.handle}
            session={{ handle: s.handle, device: describeDevice(s.userAgent), ip: s.ip ?? "unknown address", startedAt: s.createdAt.toISOString(), lastSeenAt: s.lastSeenAt.toISOString(), current: s.current }}
          />
        ))}
      </ul>
      <div className="mt-3">
        <SignOutOthersForm others={sessions.length - 1} />
      </div>
    </section>
  );
}
