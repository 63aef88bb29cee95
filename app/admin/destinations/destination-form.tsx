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
            { value: "warn", label: "Warn only" },
          ]}
        />
      </fieldset>
      <SubmitButton>{submitLabel}</SubmitButton>
    </form>
  );
}
