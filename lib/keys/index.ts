import "server-only";

/**
 * RSA key handling for partner SFTP credentials: generate, import (public and private, every format
 * partners bring), export, fingerprint. Private keys leave this module only as unencrypted PKCS#1 PEM
 * headed for the vault, or as a passphrase-encrypted OpenSSH file for a one-time download.
 */
export { KeyError, isKeyError, KEY_ERROR_CODES, KEY_ERROR_MESSAGES, type KeyErrorCode } from "./errors";
export { ABSOLUTE_MIN_RSA_BITS, RSA_2048_EXACT, describePolicy, type KeyPolicy } from "./policy";
export { type RsaPublicKeyInfo } from "./public-formats";
export { generateRsaKeyPair, generateRsaKeyPairSync, GENERATABLE_RSA_BITS, type GeneratableRsaBits, type GeneratedKeyPair } from "./generate";
export { parsePublicKey } from "./parse-public";
export { parsePrivateKey, type ParsedPrivateKey, type PrivateKeySourceFormat } from "./parse-private";
export { exportOpenSshPrivateKey, MIN_EXPORT_PASSPHRASE_LENGTH } from "./export-private";
export { KDF_LIMITS, describeKdfLimits } from "./kdf-limits";
export { assertPrivateMatchesPublic } from "./match";
