// bcrypt-pbkdf (pure JS port of OpenBSD's bcrypt_pbkdf, also used by ssh2) ships no types.
declare module "bcrypt-pbkdf" {
  /** Fills `key` in place; returns 0 on success, -1 on bad arguments. */
  export function pbkdf(
    pass: Uint8Array,
    passlen: number,
    salt: Uint8Array,
    saltlen: number,
    key: Uint8Array,
    keylen: number,
    rounds: number,
  ): number;
}
