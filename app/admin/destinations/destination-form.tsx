"use client";

import { useActionState } from "react";
import { Field, FormMessage, SelectField, SubmitButton, TextArea } from "@/components/form";
import { initialActionState, type ActionState } from "@/lib/auth/action-state";

type Action = (state: ActionState, formData: FormData) => Promise<ActionState>;

export function DestinationForm({ action, initial, submitLabel, hidden }: { action: Action; initial: Record<string, string>; submitLabel: string; hidden?: Record<string, string> }) {
  const [state, formAction] = useActionState(action, initialActionState);
  const d = (name: string) => initial[name];
  return (
    <form action={formAction} className="space-y-6" noValidate aria-label="Destination settings">
      <FormMessage state={state} />
      {Object.entries(hidden ?? {}).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold">Server</legend>
        <Field name="name" label="Name" required state={state} defaultValue={d("name")} />
        <SelectField
          name="protocol"
          label="Protocol"
          state={state}
          defaultValue={d("protocol")}
          options={[
            { value: "sftp", label: "SFTP (SSH, port 22)" },
            { value: "ftps_explicit", label: "FTPS explicit (AUTH TLS, port 21)" },
            { value: "ftps_implicit", label: "FTPS implicit (port 990)" },
          ]}
        />
        <Field name="host" label="Host" required state={state} defaultValue={d("host")} hint="Host name or public IP, without protocol or port." />
        <Field name="port" label="Port" type="number" required state={state} defaultValue={d("port")} />
        <Field name="remoteDir" label="Remote directory" required state={state} defaultValue={d("remoteDir")} />
        <SelectField
          name="uploadStrategy"
          label="Delivery"
          state={state}
          defaultValue={d("uploadStrategy")}
          options={[
            { value: "temp_then_rename", label: "Temporary name, verify size, then rename (atomic)" },
            { value: "direct", label: "Write the final name directly (server forbids rename)" },
          ]}
        />
        <Field name="tempSuffix" label="Temporary name suffix" required state={state} defaultValue={d("tempSuffix")} />
        <Field
          name="relayConcurrency"
          label="Files sent at once"
          type="number"
          required
          state={state}
          defaultValue={d("relayConcurrency")}
          hint="Across all workers. A slow or failing payer holds at most this many relay slots; other payers' files go out meanwhile."
        />
      </fieldset>

      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold">Authentication and keys (SFTP)</legend>
        <SelectField
          name="auth"
          label="Required authentication"
          state={state}
          defaultValue={d("auth")}
          options={[
            { value: "password", label: "Password" },
            { value: "key", label: "Public key" },
            { value: "password_and_key", label: "Password, then public key" },
          ]}
          hint="FTPS destinations always use a password."
        />
        <SelectField
          name="algorithmProfile"
          label="SSH algorithm profile"
          state={state}
          defaultValue={d("algorithmProfile")}
          options={[
            { value: "modern", label: "Modern (recommended)" },
            { value: "legacy", label: "Legacy compatible (SHA-1 key exchange, CBC ciphers, HMAC-MD5, ssh-rsa)" },
          ]}
        />
        <SelectField
          name="keyBitsMode"
          label="RSA key size rule"
          state={state}
          defaultValue={d("keyBitsMode")}
          options={[
            { value: "exact", label: "Exactly" },
            { value: "min", label: "At least" },
          ]}
        />
        <SelectField
          name="keyBits"
          label="RSA key bits"
          state={state}
          defaultValue={d("keyBits")}
          options={[
            { value: "2048", label: "2048" },
            { value: "3072", label: "3072" },
            { value: "4096", label: "4096" },
          ]}
        />
        <Field name="keyRotationDays" label="Key rotation reminder after (days)" type="number" required state={state} defaultValue={d("keyRotationDays")} />
      </fieldset>

      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold">TLS and passive ports (FTPS)</legend>
        <SelectField
          name="tlsMode"
          label="Certificate check"
          state={state}
          defaultValue={d("tlsMode")}
          options={[
            { value: "ca", label: "Verified by a certificate authority" },
            { value: "pinned", label: "Pinned certificate SHA-256 (private CA or wildcard trouble)" },
          ]}
        />
        <div />
        <Field name="passivePortMin" label="Passive ports from" type="number" state={state} defaultValue={d("passivePortMin")} />
        <Field name="passivePortMax" label="Passive ports to" type="number" state={state} defaultValue={d("passivePortMax")} />
        <div className="sm:col-span-2">
          <TextArea name="tlsCaPem" label="Private CA certificate (PEM, optional)" state={state} defaultValue={d("tlsCaPem")} rows={3} />
        </div>
      </fieldset>

      <fieldset className="grid gap-4 sm:grid-cols-2">
        <legend className="mb-2 text-sm font-semibold">Files</legend>
        <Field name="filenamePattern" label="File name rule (regular expression)" state={state} defaultValue={d("filenamePattern")} />
        <Field name="filenameExample" label="File name example" state={state} defaultValue={d("filenameExample")} />
        <Field name="maxFileMiB" label="Maximum file size (MiB)" type="number" required state={state} defaultValue={d("maxFileMiB")} />
        <Field name="upstreamRetentionDays" label="Payer keeps files for (days)" type="number" state={state} defaultValue={d("upstreamRetentionDays")} />
        <SelectField
          name="x12Policy"
          label="X12 envelope problems"
          state={state}
          defaultValue={d("x12Policy")}
          options={[
            { value: "block", label: "Block the upload" },
            { value: "warn", label: "Warn, and hold test/production or sender mismatches for the partner" },
          ]}
        />
      </fieldset>

      <fieldset className="grid gap-4 sm:grid-cols-2" aria-describedby="payer-responses-about">
        <legend className="mb-2 text-sm font-semibold">Payer responses</legend>
        <p id="payer-responses-about" className="text-sm text-slate-600 sm:col-span-2">
          Where the payer leaves its answers (TA1, 999, 277CA) for each account. The portal looks there on a schedule, links each answer to the file it answers,
          and flags a delivered file that gets no answer in time. Leave the folder empty if this payer&apos;s answers are not collected.
        </p>
        <Field name="responseDir" label="Response folder" state={state} defaultValue={d("responseDir")} placeholder="/outbound" hint="Empty: answers are not collected." />
        <Field
          name="responsePattern"
          label="Response file names (regular expression, optional)"
          state={state}
          defaultValue={d("responsePattern")}
          placeholder="\.(999|277|TA1)$"
          hint="Matched against each file name, case-sensitively. \.(999|277|TA1)$ takes names ending in .999, .277 or .TA1. Empty takes every file in the folder."
        />
        <Field
          name="responsePollSeconds"
          label="Look every (seconds)"
          type="number"
          required
          state={state}
          defaultValue={d("responsePollSeconds")}
          hint="Each look is a login the payer sees: 300 suits most payers, at least 60."
        />
        <Field
          name="responseWaitHours"
          label="Wait for an answer (hours)"
          type="number"
          required
          state={state}
          defaultValue={d("responseWaitHours")}
          hint="1 to 720. A delivered file without an answer after this long needs attention."
        />
        <SelectField
          name="responseAfterPickup"
          label="After pickup"
          state={state}
          defaultValue={d("responseAfterPickup")}
          options={[
            { value: "leave", label: "Leave the file (the payer cleans up)" },
            { value: "delete", label: "Delete it from the payer's server" },
            { value: "move", label: "Move it to a folder" },
          ]}
          hint="The portal keeps its own copy before anything is removed."
        />
        <Field
          name="responseMoveDir"
          label="Move to folder"
          state={state}
          defaultValue={d("responseMoveDir")}
          placeholder="/outbound/archive"
          hint="Only for “Move it to a folder”: absolute, or relative to the response folder."
        />
      </fieldset>
      <SubmitButton>{submitLabel}</SubmitButton>
    </form>
  );
}
