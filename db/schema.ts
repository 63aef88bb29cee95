import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const userRole = pgEnum("user_role", ["partner", "admin", "support"]);
export const organisationStatus = pgEnum("organisation_status", ["pending", "approved", "rejected"]);

export const organisations = pgTable(
  "organisations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** The submitter / sender ID the payer issued (ISA06 on X12 files). */
    submitterId: text("submitter_id").notNull(),
    status: organisationStatus("status").notNull().default("pending"),
    decisionReason: text("decision_reason"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    decidedBy: uuid("decided_by"),
    contactName: text("contact_name").notNull(),
    contactEmail: text("contact_email").notNull(),
    contactPhone: text("contact_phone").notNull(),
    /** The organisation's own rule: every one of its users must use two-factor sign-in. */
    requireTwoFactor: boolean("require_two_factor").notNull().default(false),
    /** Staged bytes (uploads in progress included) this organisation may hold; null: STAGING_QUOTA_MIB. */
    stagingQuotaBytes: bigint("staging_quota_bytes", { mode: "number" }),
    /** Unfinished resumable uploads at once; null: UNFINISHED_UPLOADS_MAX. */
    maxUnfinishedUploads: integer("max_unfinished_uploads"),
    createdAt: createdAt(),
  },
  (t) => [index("organisations_status_idx").on(t.status), index("organisations_name_idx").on(t.name)],
);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    phone: text("phone"),
    passwordHash: text("password_hash"),
    role: userRole("role").notNull(),
    organisationId: uuid("organisation_id").references(() => organisations.id),
    /** An organisation's own administrator: may invite colleagues. */
    isOrgAdmin: boolean("is_org_admin").notNull().default(false),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    /** Bumped on password change, disable and role change: every older session stops working. */
    sessionVersion: integer("session_version").notNull().default(1),
    passwordChangedAt: timestamp("password_changed_at", { withTimezone: true }),
    /** Set by an admin's forced reset: the user must choose a new password before anything else. */
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    /** A generated first password (the printed bootstrap admin's) stops working at this time unless changed. */
    passwordExpiresAt: timestamp("password_expires_at", { withTimezone: true }),
    /** TOTP is active from this moment; the secret itself lives sealed in `secrets` (owner "user"). */
    totpEnabledAt: timestamp("totp_enabled_at", { withTimezone: true }),
    /** Highest TOTP time step accepted so far: a code at or below it is a replay and is refused. */
    totpLastStep: bigint("totp_last_step", { mode: "number" }),
    /** Opted in to the daily summary email. */
    dailySummary: boolean("daily_summary").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email), index("users_organisation_idx").on(t.organisationId)],
);

/** One row per signed-in browser; the session cookie carries only its id. */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    sessionVersion: integer("session_version").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    /** Last time the user proved who they are (sign-in or password re-entry): gates sensitive actions. */
    reauthenticatedAt: timestamp("reauthenticated_at", { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

/** Failure counters for throttling, keyed by purpose and subject (e.g. "signin:email:a@b.c"). */
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  count: integer("count").notNull().default(0),
  windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull().defaultNow(),
  blockedUntil: timestamp("blocked_until", { withTimezone: true }),
});

export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id").references(() => organisations.id),
    email: text("email").notNull(),
    role: userRole("role").notNull(),
    isOrgAdmin: boolean("is_org_admin").notNull().default(false),
    /** SHA-256 of the token in the link; the token itself is shown once. */
    tokenHash: text("token_hash").notNull(),
    invitedBy: uuid("invited_by")
      .notNull()
      .references(() => users.id),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("invitations_token_key").on(t.tokenHash), index("invitations_org_idx").on(t.organisationId)],
);

/** Append-only: a trigger in the migrations refuses UPDATE and DELETE. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().default(sql`now()`),
    actorUserId: uuid("actor_user_id"),
    actorEmail: text("actor_email"),
    actorRole: text("actor_role"),
    organisationId: uuid("organisation_id"),
    action: text("action").notNull(),
    target: text("target"),
    result: text("result").notNull(),
    ip: text("ip"),
    detail: jsonb("detail").$type<Record<string, unknown>>(),
  },
  (t) => [
    index("audit_events_at_idx").on(t.at),
    index("audit_events_org_idx").on(t.organisationId),
    index("audit_events_action_idx").on(t.action),
  ],
);

export type Organisation = typeof organisations.$inferSelect;
export type User = typeof users.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferSelect;
export type UserRole = (typeof userRole.enumValues)[number];

/* ---------------------------------------------------------------- destinations and accounts */

export const destinationProtocol = pgEnum("destination_protocol", ["sftp", "ftps_explicit", "ftps_implicit"]);
export const destinationAuth = pgEnum("destination_auth", ["password", "key", "password_and_key"]);

/** A payer's server. Only admins define them: partners never type a host. */
export const destinations = pgTable("destinations", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  protocol: destinationProtocol("protocol").notNull(),
  host: text("host").notNull(),
  port: integer("port").notNull(),
  remoteDir: text("remote_dir").notNull().default("/"),
  auth: destinationAuth("auth").notNull(),
  /** RSA key size rule: "exact" or "min" bits. */
  keyBitsMode: text("key_bits_mode").$type<"exact" | "min">().notNull().default("exact"),
  keyBits: integer("key_bits").notNull().default(2048),
  keyRotationDays: integer("key_rotation_days").notNull().default(365),
  algorithmProfile: text("algorithm_profile").$type<"modern" | "legacy">().notNull().default("modern"),
  hostKeyFingerprints: jsonb("host_key_fingerprints").$type<string[]>().notNull().default([]),
  tlsMode: text("tls_mode").$type<"ca" | "pinned">().notNull().default("ca"),
  tlsCaPem: text("tls_ca_pem"),
  tlsPins: jsonb("tls_pins").$type<string[]>().notNull().default([]),
  passivePortMin: integer("passive_port_min"),
  passivePortMax: integer("passive_port_max"),
  filenamePattern: text("filename_pattern"),
  filenameExample: text("filename_example"),
  maxFileBytes: bigint("max_file_bytes", { mode: "number" }).notNull().default(104_857_600),
  upstreamRetentionDays: integer("upstream_retention_days"),
  uploadStrategy: text("upload_strategy").$type<"temp_then_rename" | "direct">().notNull().default("temp_then_rename"),
  tempSuffix: text("temp_suffix").notNull().default(".part"),
  connectTimeoutMs: integer("connect_timeout_ms").notNull().default(15_000),
  idleTimeoutMs: integer("idle_timeout_ms").notNull().default(60_000),
  /** Relays to this destination at once, across all workers: a slow payer holds at most this many slots. */
  relayConcurrency: integer("relay_concurrency").notNull().default(2),
  /**
   * What an X12 envelope problem does. block: the upload is refused. warn: a damaged envelope only
   * warns, and a test/production (ISA15) or sender (ISA06) mismatch is held for the partner's decision.
   */
  x12Policy: text("x12_policy").$type<"block" | "warn">().notNull().default("block"),
  /** Where the payer leaves its answers (TA1, 999, 277CA …) for each account; null: they are not collected. */
  responseDir: text("response_dir"),
  /** Regular expression for the names of response files; null takes every file in responseDir. */
  responsePattern: text("response_pattern"),
  responsePollSeconds: integer("response_poll_seconds").notNull().default(300),
  responseAfterPickup: text("response_after_pickup").$type<"leave" | "delete" | "move">().notNull().default("leave"),
  responseMoveDir: text("response_move_dir"),
  /** A delivered file with no answer after this many hours needs attention. */
  responseWaitHours: integer("response_wait_hours").notNull().default(24),
  preset: text("preset"),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/** An organisation's login on a destination. Its password and keys live in `secrets`. */
export const partnerAccounts = pgTable(
  "partner_accounts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    destinationId: uuid("destination_id")
      .notNull()
      .references(() => destinations.id),
    username: text("username").notNull(),
    /** Who enters the upstream password and key: the partner, or an admin on their behalf. */
    secretsSetBy: text("secrets_set_by").$type<"partner" | "admin">().notNull().default("partner"),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    /** The payer-response poll of this account: when it is next due, and how the last one went. */
    responsesNextPollAt: timestamp("responses_next_poll_at", { withTimezone: true }),
    responsesPolledAt: timestamp("responses_polled_at", { withTimezone: true }),
    responsesLastOkAt: timestamp("responses_last_ok_at", { withTimezone: true }),
    responsesErrorCode: text("responses_error_code"),
    responsesErrorMessage: text("responses_error_message"),
  },
  (t) => [uniqueIndex("partner_accounts_org_destination_key").on(t.organisationId, t.destinationId), index("partner_accounts_destination_idx").on(t.destinationId)],
);

/**
 * Envelope-encrypted secrets. Each row belongs to exactly one owner record and purpose, and the
 * additional authenticated data names both, so a ciphertext moved to another row fails to open.
 */
export const secrets = pgTable(
  "secrets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ownerKind: text("owner_kind").$type<"partner_account" | "ssh_key" | "user" | "webhook" | "staged_file">().notNull(),
    ownerId: uuid("owner_id").notNull(),
    purpose: text("purpose").$type<"upstream_password" | "private_key" | "totp_secret" | "totp_pending" | "webhook_signing" | "file_key">().notNull(),
    masterKeyId: text("master_key_id").notNull(),
    sealed: text("sealed").notNull(),
    setBy: uuid("set_by"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("secrets_owner_purpose_key").on(t.ownerKind, t.ownerId, t.purpose), index("secrets_master_key_idx").on(t.masterKeyId)],
);

export const sshKeyStatus = pgEnum("ssh_key_status", ["pending", "installed", "rejected", "retired"]);

/** A partner account's RSA key: the public part in clear, the private part (if we hold it) in `secrets`. */
export const sshKeys = pgTable(
  "ssh_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    partnerAccountId: uuid("partner_account_id")
      .notNull()
      .references(() => partnerAccounts.id),
    algorithm: text("algorithm").notNull(),
    bits: integer("bits").notNull(),
    opensshPublic: text("openssh_public").notNull(),
    sha256: text("sha256").notNull(),
    md5: text("md5").notNull(),
    comment: text("comment"),
    source: text("source").$type<"generated" | "uploaded_public" | "uploaded_private">().notNull(),
    hasPrivateKey: boolean("has_private_key").notNull().default(false),
    status: sshKeyStatus("status").notNull().default("pending"),
    decisionReason: text("decision_reason"),
    decidedBy: uuid("decided_by"),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    privateKeyDownloadedAt: timestamp("private_key_downloaded_at", { withTimezone: true }),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
  },
  (t) => [index("ssh_keys_account_idx").on(t.partnerAccountId), index("ssh_keys_status_idx").on(t.status)],
);

/* ---------------------------------------------------------------- transfers */

export const transferStatus = pgEnum("transfer_status", ["uploading", "received", "queued", "sending", "delivered", "needs_attention", "failed"]);

export const transfers = pgTable(
  "transfers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    partnerAccountId: uuid("partner_account_id")
      .notNull()
      .references(() => partnerAccounts.id),
    destinationId: uuid("destination_id")
      .notNull()
      .references(() => destinations.id),
    kind: text("kind").$type<"upload" | "api" | "admin_test">().notNull(),
    mode: text("mode").$type<"test" | "production">().notNull().default("production"),
    originalName: text("original_name").notNull(),
    remoteName: text("remote_name").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    sha256: text("sha256"),
    /** Path of the staged bytes, relative to the staging store; null once retention removed them. */
    stagingKey: text("staging_key"),
    status: transferStatus("status").notNull(),
    uploadedBy: uuid("uploaded_by"),
    uploaderIp: text("uploader_ip"),
    lastErrorCode: text("last_error_code"),
    lastErrorMessage: text("last_error_message"),
    attemptCount: integer("attempt_count").notNull().default(0),
    /** Pre-relay check findings (warnings that did not block, or what blocked it). */
    checks: jsonb("checks").$type<Array<{ code: string; severity: string; message: string; suggestion?: string }>>().notNull().default([]),
    /** A duplicate of a recently delivered file waits here until the partner confirms or cancels. */
    awaitingConfirmation: boolean("awaiting_confirmation").notNull().default(false),
    /** Upload id in the resumable-upload store, while the browser upload is in progress. */
    uploadId: text("upload_id"),
    /** The payer's verdict so far (lib/responses); null when the destination's answers are not collected. */
    responseStatus: text("response_status").$type<PayerResponseStatus>(),
    /** Until when an answer is awaited before the transfer needs attention. */
    responseDueAt: timestamp("response_due_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    index("transfers_org_response_idx").on(t.organisationId, t.responseStatus),
    index("transfers_response_due_idx").on(t.responseDueAt).where(sql`response_status = 'awaiting'`),
    index("transfers_org_created_idx").on(t.organisationId, t.createdAt),
    index("transfers_status_idx").on(t.status),
    index("transfers_sha256_idx").on(t.sha256),
    index("transfers_created_idx").on(t.createdAt),
    index("transfers_destination_created_idx").on(t.destinationId, t.createdAt),
    // The history's name and size sorts within an organisation: without them every page sorted all
    // of the organisation's transfers (0.2-0.5 s at 1M).
    index("transfers_org_name_idx").on(t.organisationId, t.originalName),
    index("transfers_org_size_idx").on(t.organisationId, t.sizeBytes),
    // A status filter within an organisation, newest first, and its capped total ("failed": 57 ms p50,
    // 145 ms p95 on PGlite at 1M without it, the rows found through the organisation's index).
    index("transfers_org_status_created_idx").on(t.organisationId, t.status, t.createdAt),
    uniqueIndex("transfers_upload_id_key").on(t.uploadId),
    // Trigram index for the history's "file name contains" search (migration 0010 creates it only
    // where the pg_trgm extension can be installed; the embedded engine ships it).
    index("transfers_original_name_trgm_idx").using("gin", t.originalName.op("gin_trgm_ops")),
  ],
);

export const transferAttempts = pgTable(
  "transfer_attempts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    transferId: uuid("transfer_id")
      .notNull()
      .references(() => transfers.id),
    number: integer("number").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    bytes: bigint("bytes", { mode: "number" }).notNull().default(0),
    durationMs: integer("duration_ms"),
    resumedFromByte: bigint("resumed_from_byte", { mode: "number" }).notNull().default(0),
    remotePath: text("remote_path"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    errorDetail: text("error_detail"),
    transient: boolean("transient"),
    negotiated: jsonb("negotiated").$type<Record<string, unknown>>(),
    transcript: jsonb("transcript").$type<Array<{ at: string; stage: string; direction: string; message: string }>>().notNull().default([]),
  },
  (t) => [uniqueIndex("transfer_attempts_number_key").on(t.transferId, t.number)],
);

/**
 * Running totals of finished relay attempts, per destination, outcome and duration bucket: what
 * GET /api/metrics exposes as the attempt-duration histogram and the bytes counter. Written in the
 * transaction that records the attempt (lib/transfers/records.ts), whichever process ran it, so the
 * figures are the cluster's, survive restarts, and a scrape reads a few rows instead of the history.
 */
export const relayAttemptTotals = pgTable(
  "relay_attempt_totals",
  {
    destinationId: uuid("destination_id")
      .notNull()
      .references(() => destinations.id),
    outcome: text("outcome").$type<"delivered" | "transient_error" | "permanent_error">().notNull(),
    /** The bucket's upper bound in ms (lib/monitoring/metrics/buckets.ts); -1 for longer than the last one. */
    durationBucketMs: integer("duration_bucket_ms").notNull(),
    attempts: bigint("attempts", { mode: "number" }).notNull().default(0),
    bytes: bigint("bytes", { mode: "number" }).notNull().default(0),
    durationMsSum: bigint("duration_ms_sum", { mode: "number" }).notNull().default(0),
  },
  (t) => [uniqueIndex("relay_attempt_totals_key").on(t.destinationId, t.outcome, t.durationBucketMs)],
);

/** What the payer said about a delivered file, as the history's "Payer response" column shows it. */
export type PayerResponseStatus = "awaiting" | "accepted" | "accepted_with_errors" | "partially_accepted" | "rejected" | "no_response";

export type Destination = typeof destinations.$inferSelect;
export type NewDestination = typeof destinations.$inferInsert;
export type PartnerAccount = typeof partnerAccounts.$inferSelect;
export type NewPartnerAccount = typeof partnerAccounts.$inferInsert;
export type SecretRow = typeof secrets.$inferSelect;
export type SshKey = typeof sshKeys.$inferSelect;
export type Transfer = typeof transfers.$inferSelect;
export type TransferAttempt = typeof transferAttempts.$inferSelect;

/* ---------------------------------------------------------------- diagnoses */

/** A staged connection test run from the relay backend, with its full (secret-free) result. */
export const diagnoses = pgTable(
  "diagnoses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    partnerAccountId: uuid("partner_account_id")
      .notNull()
      .references(() => partnerAccounts.id),
    destinationId: uuid("destination_id")
      .notNull()
      .references(() => destinations.id),
    transferId: uuid("transfer_id"),
    runBy: uuid("run_by").notNull(),
    runByRole: text("run_by_role").notNull(),
    writeProbe: boolean("write_probe").notNull().default(false),
    ok: boolean("ok").notNull(),
    code: text("code"),
    failedStage: text("failed_stage"),
    headline: text("headline").notNull(),
    result: jsonb("result").$type<Record<string, unknown>>().notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("diagnoses_account_idx").on(t.partnerAccountId, t.startedAt), index("diagnoses_started_idx").on(t.startedAt)],
);

export type Diagnosis = typeof diagnoses.$inferSelect;

/* ---------------------------------------------------------------- API tokens */

/**
 * A token for the HTTPS API. Only the SHA-256 of the secret is stored; the prefix (shown in the UI)
 * identifies a token without revealing it. A "partner_api" token acts as its partner user inside
 * their organisation; a "monitoring" token belongs to an admin, has no organisation and reads only
 * the operator's health details.
 */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** Null only for monitoring tokens. */
    organisationId: uuid("organisation_id").references(() => organisations.id),
    scope: text("scope").$type<"partner_api" | "monitoring">().notNull().default("partner_api"),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokedBy: uuid("revoked_by"),
  },
  (t) => [uniqueIndex("api_tokens_hash_key").on(t.tokenHash), index("api_tokens_user_idx").on(t.userId)],
);

export type ApiToken = typeof apiTokens.$inferSelect;

/* ---------------------------------------------------------------- two-factor sign-in and password resets */

/** One-time recovery codes; only their hashes are stored. */
export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    codeHash: text("code_hash").notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

/**
 * A sign-in whose password was right but whose second factor is still owed. Holds no session:
 * only a completed second step creates one. Burned after too many wrong codes.
 */
export const pendingSignIns = pgTable(
  "pending_sign_ins",
  {
    /** SHA-256 of the random token the browser holds. */
    tokenHash: text("token_hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    /** "verify" asks for a code; "enrol" makes a user who must use 2FA set it up first. */
    step: text("step").$type<"verify" | "enrol">().notNull(),
    failedAttempts: integer("failed_attempts").notNull().default(0),
    ip: text("ip"),
    userAgent: text("user_agent"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    burnedAt: timestamp("burned_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [index("pending_sign_ins_user_idx").on(t.userId)],
);

/** A password-reset link (self-service or forced by an admin); the token is stored hashed. */
export const passwordResets = pgTable(
  "password_resets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id),
    tokenHash: text("token_hash").notNull(),
    reason: text("reason").$type<"self_service" | "admin_forced">().notNull(),
    requestedBy: uuid("requested_by"),
    ip: text("ip"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("password_resets_token_key").on(t.tokenHash), index("password_resets_user_idx").on(t.userId)],
);

export type RecoveryCode = typeof recoveryCodes.$inferSelect;
export type PendingSignIn = typeof pendingSignIns.$inferSelect;
export type PasswordReset = typeof passwordResets.$inferSelect;

/* ---------------------------------------------------------------- notifications */

/**
 * Every email the portal sends. With SMTP_URL unset (the demo) messages stop here as "captured"
 * and are read at /admin/mail. The dedupe key makes an event notify once, however often it is seen.
 */
export const mailMessages = pgTable(
  "mail_messages",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id"),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body"),
    kind: text("kind").notNull(),
    dedupeKey: text("dedupe_key"),
    /** The body holds a one-time link: it is withheld from the log once SMTP accepted it. */
    sensitive: boolean("sensitive").notNull().default(false),
    status: text("status").$type<"queued" | "sent" | "captured" | "failed">().notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    /**
     * When the retry job may (re)try this message: set on insert (a lease for the first send, so a
     * message whose process died is picked up later), pushed out with backoff after each failure,
     * cleared once SMTP took it. Claiming a row moves it forward, so two workers never both send.
     */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    createdAt: createdAt(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("mail_messages_dedupe_key").on(t.dedupeKey),
    index("mail_messages_created_idx").on(t.createdAt),
    index("mail_messages_retry_idx").on(t.nextAttemptAt).where(sql`next_attempt_at IS NOT NULL`),
  ],
);

export type WebhookEvent = "transfer.delivered" | "transfer.needs_attention" | "transfer.failed" | "transfer.accepted" | "transfer.rejected" | "response.received";

/** An organisation's HTTPS endpoint for transfer events; its signing secret is sealed in `secrets`. */
export const webhooks = pgTable(
  "webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    url: text("url").notNull(),
    events: jsonb("events").$type<WebhookEvent[]>().notNull(),
    description: text("description"),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
  },
  (t) => [index("webhooks_org_idx").on(t.organisationId)],
);

/** One event to one webhook, with every attempt (status code, error, duration) kept for the log. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id),
    /** The event's id (notification_events.id, or a fresh id for a test event): one delivery per webhook and event. */
    eventId: uuid("event_id").notNull(),
    organisationId: uuid("organisation_id").notNull(),
    event: text("event").$type<WebhookEvent | "webhook.test">().notNull(),
    transferId: uuid("transfer_id"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status").$type<"pending" | "delivered" | "failed">().notNull().default("pending"),
    attemptCount: integer("attempt_count").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    attempts: jsonb("attempts").$type<Array<{ at: string; statusCode: number | null; error: string | null; durationMs: number }>>().notNull().default([]),
    createdAt: createdAt(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  },
  (t) => [
    index("webhook_deliveries_webhook_idx").on(t.webhookId, t.createdAt),
    // Per event, not per transfer: a re-queued transfer that needs attention again is a new event.
    uniqueIndex("webhook_deliveries_webhook_event_key").on(t.webhookId, t.eventId),
  ],
);

/** Registration events mail people (the admins, then the partner) and never go to webhooks. */
export type RegistrationEventType = "registration.submitted" | "registration.approved" | "registration.rejected";

export type NotificationEventType = WebhookEvent | "key.approved" | "key.rejected" | RegistrationEventType;

/**
 * The notification outbox. A row is written in the same transaction as the change it reports (a
 * transfer's final status, a key decision, a registration or its decision), so a crash before the emails and webhooks went out
 * cannot lose it: the dispatcher fans out every row whose dispatched_at is still empty.
 */
export const notificationEvents = pgTable(
  "notification_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    type: text("type").$type<NotificationEventType>().notNull(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    transferId: uuid("transfer_id").references(() => transfers.id),
    sshKeyId: uuid("ssh_key_id").references(() => sshKeys.id),
    responseFileId: uuid("response_file_id").references(() => responseFiles.id),
    createdAt: createdAt(),
    dispatchedAt: timestamp("dispatched_at", { withTimezone: true }),
  },
  (t) => [index("notification_events_pending_idx").on(t.createdAt).where(sql`dispatched_at IS NULL`)],
);

export type NotificationEvent = typeof notificationEvents.$inferSelect;

export type MailMessage = typeof mailMessages.$inferSelect;
export type Webhook = typeof webhooks.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

/* ---------------------------------------------------------------- transfer events */

/** What people did to a transfer (a re-queue and its reason), shown in its history. */
export const transferEvents = pgTable(
  "transfer_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    transferId: uuid("transfer_id")
      .notNull()
      .references(() => transfers.id),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    kind: text("kind").$type<"requeued">().notNull(),
    actorUserId: uuid("actor_user_id"),
    actorRole: text("actor_role"),
    reason: text("reason"),
  },
  (t) => [index("transfer_events_transfer_idx").on(t.transferId, t.at)],
);

export type TransferEvent = typeof transferEvents.$inferSelect;

/* ---------------------------------------------------------------- payer responses */

/**
 * The control numbers a submission carries, recorded at intake: the keys its acknowledgements
 * point back with. `controlNumber` is normalised (numeric values without leading zeros) so
 * "000000905" from one system and "905" from another meet.
 */
export const submissionReferences = pgTable(
  "submission_references",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    transferId: uuid("transfer_id")
      .notNull()
      .references(() => transfers.id),
    organisationId: uuid("organisation_id").notNull(),
    /** interchange ISA13, group GS06, transaction_set ST02, batch BHT03 (what a 277CA's 2200B TRN02 repeats), claim CLM01. */
    kind: text("kind").$type<"interchange" | "group" | "transaction_set" | "batch" | "claim">().notNull(),
    controlNumber: text("control_number").notNull(),
    /** ISA06 and ISA08 of the interchange it belongs to. */
    senderId: text("sender_id").notNull(),
    receiverId: text("receiver_id").notNull(),
    /** For a transaction set its GS06, for a claim its ST02 and CLM02. */
    detail: jsonb("detail").$type<Record<string, string>>(),
  },
  (t) => [index("submission_references_lookup_idx").on(t.organisationId, t.kind, t.controlNumber), index("submission_references_transfer_idx").on(t.transferId)],
);

/** A file picked up from a partner account's response location: kept, read, and linked where it can be. */
export const responseFiles = pgTable(
  "response_files",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    organisationId: uuid("organisation_id")
      .notNull()
      .references(() => organisations.id),
    partnerAccountId: uuid("partner_account_id")
      .notNull()
      .references(() => partnerAccounts.id),
    destinationId: uuid("destination_id")
      .notNull()
      .references(() => destinations.id),
    remoteName: text("remote_name").notNull(),
    remoteSize: bigint("remote_size", { mode: "number" }).notNull(),
    /** As the server listed it (ISO, second precision), or "" when it did not say. */
    remoteModifiedAt: text("remote_modified_at").notNull(),
    sha256: text("sha256").notNull(),
    /** The bytes in the staging store; null once retention removed them. */
    stagingKey: text("staging_key"),
    kind: text("kind").$type<"TA1" | "999" | "997" | "277CA" | "other" | "unreadable">().notNull(),
    verdict: text("verdict").$type<"accepted" | "accepted_with_errors" | "partially_accepted" | "rejected">(),
    unreadableReason: text("unreadable_reason"),
    /** The file as read (lib/x12), for the pages; large claim lists are trimmed (see lib/responses/summary.ts). */
    summary: jsonb("summary").$type<Record<string, unknown>>().notNull(),
    linkedTransfers: integer("linked_transfers").notNull().default(0),
    pickedUpAt: timestamp("picked_up_at", { withTimezone: true }).notNull().defaultNow(),
    /** The after-pickup action (delete or move on the payer's server) was done, or was "leave". */
    settledAt: timestamp("settled_at", { withTimezone: true }),
    settleOutcome: text("settle_outcome"),
    settleError: text("settle_error"),
  },
  (t) => [
    uniqueIndex("response_files_account_name_hash_key").on(t.partnerAccountId, t.remoteName, t.sha256),
    index("response_files_org_picked_idx").on(t.organisationId, t.pickedUpAt),
    index("response_files_account_idx").on(t.partnerAccountId, t.pickedUpAt),
    // The metrics' pickups of the last 24 hours (GET /api/metrics), a range instead of a full count.
    index("response_files_picked_idx").on(t.pickedUpAt),
    // The hourly sweep of payer files no row names (lib/responses/orphans.ts) looks its candidates up by key.
    index("response_files_staging_key_idx").on(t.stagingKey),
  ],
);

/** Which submission a response file answers, and what it says about that one submission. */
export const responseLinks = pgTable(
  "response_links",
  {
    responseFileId: uuid("response_file_id")
      .notNull()
      .references(() => responseFiles.id),
    transferId: uuid("transfer_id")
      .notNull()
      .references(() => transfers.id),
    stage: text("stage").$type<"TA1" | "999" | "997" | "277CA">().notNull(),
    verdict: text("verdict").$type<"accepted" | "accepted_with_errors" | "partially_accepted" | "rejected">().notNull(),
    /** One plain-English line for the timeline, e.g. "12 claims accepted, 2 rejected". */
    headline: text("headline").notNull(),
    /** What matched: control numbers, claim counts. */
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("response_links_pair_key").on(t.responseFileId, t.transferId), index("response_links_transfer_idx").on(t.transferId, t.createdAt)],
);

export type SubmissionReference = typeof submissionReferences.$inferSelect;
export type ResponseFileRow = typeof responseFiles.$inferSelect;
export type ResponseLinkRow = typeof responseLinks.$inferSelect;
