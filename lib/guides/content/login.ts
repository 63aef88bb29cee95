import type { Guide } from "@/lib/guides/types";

/** Everything about logging in: passwords, keys, lockouts, and credentials the account lacks. */
export const loginGuides: Guide[] = [
  {
    slug: "login-rejected",
    kind: "code",
    codes: ["AUTH_PASSWORD_REJECTED"],
    title: "User name or password rejected",
    protocols: ["sftp", "ftps"],
    summary: "The payer's server did not accept the user name {username} with the password stored for it.",
    meaning:
      "The connection and encryption worked; the server then refused the login. On FTPS this is usually the reply \"530 Login incorrect\" (or \"530 User cannot log in\"); on SFTP the server simply rejects the password. The portal does not retry this on its own, because repeating a wrong password is the fastest way to get the account locked.",
    causes: [
      "The password differs from the one the payer set. Passwords are case-sensitive, so \"Summer\" and \"summer\" are different.",
      "A space before or after the user name or password, usually picked up when copying from an email or a spreadsheet.",
      "The password expired; many payers force a change every 60 or 90 days.",
      "The payer gave you separate logins for its website and for file transfer, and the website login was entered here.",
      "The account is new and not yet activated, or is a test account that only works on the payer's test server.",
    ],
    partnerItSteps: [
      { text: "Confirm with the payer that the file transfer account {username} is active on {host}, and whether it is a test or a production account." },
      { text: "If you have your own client set up, try the login there once. If it also fails, the problem is the credential itself, not the portal." },
    ],
    userSteps: [
      { text: "Open your account's credentials page and type the password again by hand instead of pasting it. Check upper and lower case letters, and make sure Caps Lock is off." },
      { text: "Check the user name for a space at the start or end; the server counts a space as part of the name." },
      { text: "Make sure you entered the file transfer password from the payer, not your password for the payer's website or for this portal." },
      { text: "Do not try more than two or three times. If it still fails, wait 5 to 10 minutes before the next try: some servers block an account for a short time after several failures." },
      { text: "If you are unsure of the password, ask the payer to reset it, then save the new one in the portal." },
    ],
    supportNotes: [
      "Never ask the partner to send the password in the ticket; the transcript redacts it and that is how it must stay.",
      "On FTPS, the transcript shows whether the server replied 530 to USER (unknown user) or to PASS (wrong password); some servers answer 331 to any user name, so a 530 after PASS does not prove the user name is right.",
      "Several partners of one payer failing at once after a weekend usually means a forced password expiry at the payer.",
    ],
    related: ["account-locked", "key-rejected", "credentials-missing"],
    keywords: ["530", "login incorrect", "user cannot log in", "password", "wrong password", "case-sensitive", "spaces", "authentication failed", "permission denied", "login failed", "expired"],
  },
  {
    slug: "key-rejected",
    kind: "code",
    codes: ["AUTH_KEY_REJECTED"],
    title: "The server did not accept your SSH key (often after the password worked)",
    protocols: ["sftp"],
    summary: "The payer's server refused the public key the portal offered for {username}.",
    meaning:
      "Some payers require two proofs: the password and a key. The server checks them one after the other. When the password is right but the key is still missing, the server reports \"partial success\": the password step passed and it now wants the key. If it then refuses the key, the password was correct and the payer does not have your public key attached to this account yet (or has a different one).",
    causes: [
      "The payer has not installed your public key yet. Installing it is a manual step at many payers and can take several working days.",
      "The key was attached to a different account (for example your test account) or to another partner's account.",
      "The payer holds an older key of yours, from before the key was regenerated in the portal.",
      "The public key was damaged on the way: line breaks added by an email program, or only part of the text copied.",
      "The payer's server only accepts RSA keys of a certain size (commonly 2048 bits) or only the older ssh-rsa signature type.",
    ],
    partnerItSteps: [
      { text: "Send the payer the public key from the portal's key page (never the private key), in the format the payer asks for: OpenSSH one-line or SSH2 (RFC 4716) block." },
      { text: "Ask the payer to confirm three things: the key is installed, it is attached to {username}, and its fingerprint matches the one shown on your key page." },
      { text: "If the payer's server is older, make sure it accepts the ssh-rsa signature type; the portal uses it automatically when the destination has the legacy algorithm profile." },
    ],
    userSteps: [
      { text: "If the message mentions partial success, your password is fine. Do not change it." },
      { text: "Open your key page, download the public key, and send it to the payer's EDI support with your user name. Ask them to confirm when it is installed." },
      { text: "When the payer confirms, run the connection check on the destination page before sending new files." },
    ],
    supportNotes: [
      "\"after the password was accepted (partial success)\" in the message is decisive: password fine, key missing or wrong at the payer.",
      "Check the key's status and fingerprint on the partner's key page; the payer can compare it with what they installed.",
      "GlobalSCAPE-style servers accept password first, then key; OpenSSH-based servers may ask in either order. The transcript's auth stage shows the order.",
    ],
    related: ["rsa-2048-keys", "credentials-missing", "login-rejected"],
    keywords: ["partial success", "publickey", "public key", "key rejected", "Permission denied (publickey)", "two-factor", "password and key", "key not installed", "ssh key"],
  },
  {
    slug: "account-locked",
    kind: "code",
    codes: ["AUTH_LOCKED"],
    title: "The account is locked after too many attempts",
    protocols: ["sftp", "ftps"],
    summary: "The payer's server locked {username} or stopped accepting login attempts.",
    meaning:
      "Servers protect accounts by refusing further logins after several failures in a short time. Some lock for a few minutes and unlock on their own; others keep the account locked until the payer's support team releases it. Some block the connecting address rather than the account. The portal does not retry, so it does not make the lock longer.",
    causes: [
      "Several logins with a wrong or outdated password, from the portal or from somewhere else.",
      "Another system still uses the same account with an old password: a scheduled script, an old PC, or a former vendor's software. It keeps failing and keeps the account locked.",
      "The payer's server bans an address after failures; if that address is the portal's, other partners sending to this payer may be affected too.",
    ],
    partnerItSteps: [
      { text: "Find and stop anything else that logs in as {username}: old scheduled tasks, other transfer programs, a previous billing vendor." },
      { text: "Wait 5 to 10 minutes, then try once. Some servers lock only temporarily; repeated tries during the lock can restart the timer." },
      { text: "If the account stays locked, ask the payer to unlock it and, if they block by address, to check that {egressIps} is not on their block list." },
    ],
    userSteps: [
      { text: "Stop trying for now. Each new attempt can keep the lock in place." },
      { text: "Before the next try, check the saved password on your credentials page (upper and lower case, no spaces before or after)." },
      { text: "After 5 to 10 minutes, run the connection check on the destination page once. If it still says locked, call the payer's EDI support and ask them to unlock the account." },
    ],
    supportNotes: [
      "The detail holds the server's own text (\"too many failures\", \"account locked\", an FTP 421 or a 530 that mentions a lock, or SSH disconnect reason 14).",
      "If several partners of the same payer show AUTH_LOCKED at once, the payer has probably banned the relay's egress address; contact the payer directly.",
      "Do not requeue the partner's files until a single test connection succeeds.",
    ],
    related: ["login-rejected", "egress-ip-allow-list"],
    keywords: ["locked", "lockout", "too many attempts", "too many authentication failures", "421", "banned", "blocked account", "wait", "disabled"],
  },
  {
    slug: "auth-method-unsupported",
    kind: "code",
    codes: ["AUTH_METHOD_UNSUPPORTED"],
    title: "The server asks for a login method the portal cannot use",
    protocols: ["sftp", "ftps"],
    summary: "The payer's server only offered login methods that the portal does not support for automatic delivery.",
    meaning:
      "The portal logs in with a password, an SSH key, or both. This server asked for something else, such as a one-time code, a Kerberos ticket, or (on FTP) an extra ACCT account command. Those need a person or a company network and cannot be used for unattended relaying.",
    causes: [
      "The payer turned on multi-factor login (one-time codes) for all accounts, including file transfer accounts.",
      "The account is configured for Kerberos/GSSAPI or host-based login, as used inside company networks.",
      "An FTP server that wants an ACCT command after the password (reply 332).",
    ],
    partnerItSteps: [
      { text: "Ask the payer to set {username} up as a system-to-system account that logs in with a password, an SSH key, or both, without one-time codes." },
    ],
    userSteps: [
      { text: "Nothing was sent. Ask your IT contact or support to arrange a machine-to-machine login with the payer; you cannot fix this from the portal." },
    ],
    supportNotes: [
      "The detail says which methods the server still offered (for example \"keyboard-interactive\" with a code prompt, or \"gssapi-with-mic\").",
      "keyboard-interactive that only asks for the password is supported; prompts for codes are not.",
    ],
    related: ["credentials-missing", "login-rejected"],
    keywords: ["keyboard-interactive", "mfa", "2fa", "one-time code", "otp", "gssapi", "kerberos", "332", "acct", "authentication method"],
  },
  {
    slug: "credentials-missing",
    kind: "code",
    codes: ["CREDENTIALS_MISSING"],
    title: "Your account is missing a password or key for this payer",
    protocols: ["sftp", "ftps"],
    summary: "The destination needs a credential (a password, an SSH key, or both) that is not stored for your account.",
    meaning:
      "Before or during login the portal found that this payer needs something your account does not have. Often the password was already accepted (\"partial success\") and the server then asked for a key, but no key is stored for you. The portal stops rather than send an incomplete login.",
    causes: [
      "No SSH key has been created or uploaded for your account, while the payer requires password and key.",
      "The password for this payer was never saved, or was removed when the account was edited.",
      "The payer changed its rules and now requires a key in addition to the password.",
    ],
    partnerItSteps: [
      { text: "If your organisation keeps its own key pair for this payer, upload it on the key page; otherwise create one there (RSA 2048-bit) and send the public key to the payer." },
    ],
    userSteps: [
      { text: "Open your account page for this payer and look for the missing item: a password field that is empty, or no active key." },
      { text: "Save the password from the payer's welcome letter, or create a key in the portal and send its public key to the payer." },
      { text: "After the payer confirms the key is installed, run the connection check on the destination page, then resend the file." },
    ],
    supportNotes: [
      "The detail shows what the server asked for and what the destination expects; if the server wants password and key but the destination is set to password only, fix the destination.",
      "A new key will be rejected until the payer installs it; that shows up as the key-rejected code next.",
    ],
    related: ["key-rejected", "rsa-2048-keys", "auth-method-unsupported"],
    keywords: ["missing key", "no key", "missing password", "credentials", "partial success", "requires key", "not configured"],
  },
];
