// Fernet (github.com/fernet/spec) on WebCrypto alone: what a Portcullis connection speaks after it asked
// for "encryption":"fernet" in its auth message and auth_ok granted it. Every frame, both ways, is one token:
//
//   base64url( 0x80 | timestamp: 8 bytes, big-endian seconds | IV: 16 bytes | AES-128-CBC(plaintext, PKCS#7)
//              | HMAC-SHA256 of everything before it: 32 bytes )
//
// The key is 32 bytes in URL-safe base64 (what `portcullis gen-fernet-key` prints): the first 16 sign, the
// last 16 encrypt. WebCrypto exists only in secure contexts (https:, or http: on localhost / 127.0.0.1).

const VERSION = 0x80;
const HEADER = 1 + 8 + 16;
const MAC = 32;
const BLOCK = 16;
/** The spec's allowance for a token stamped slightly in the future by a fast clock. */
const MAX_CLOCK_SKEW = 60;

export class FernetError extends Error {}

/** Whether this page may use WebCrypto at all. */
export function available() {
  return Boolean(globalThis.crypto && crypto.subtle);
}

/** Parses the 44-character text form of a key into its two WebCrypto keys. */
export async function importKey(text) {
  let raw;
  try {
    raw = fromBase64Url(text.trim());
  } catch {
    throw new FernetError("a Fernet key is URL-safe base64");
  }
  if (raw.length !== 32) {
    throw new FernetError(`a Fernet key is 32 bytes (44 characters of base64), not ${raw.length}`);
  }
  const sign = await crypto.subtle.importKey("raw", raw.slice(0, 16), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  const enc = await crypto.subtle.importKey("raw", raw.slice(16), { name: "AES-CBC" }, false, ["encrypt", "decrypt"]);
  return { sign, enc };
}

/**
 * Seals the UTF-8 bytes of `text`. `now` (epoch seconds) and `iv` are for the spec's test
 * vectors only; normally the clock and a random IV are used.
 */
export async function encrypt(key, text, { now = Math.floor(Date.now() / 1000), iv = crypto.getRandomValues(new Uint8Array(16)) } = {}) {
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key.enc, new TextEncoder().encode(text)));
  const token = new Uint8Array(HEADER + ciphertext.length + MAC);
  const view = new DataView(token.buffer);
  token[0] = VERSION;
  view.setBigUint64(1, BigInt(now));
  token.set(iv, 9);
  token.set(ciphertext, HEADER);
  const signed = token.subarray(0, HEADER + ciphertext.length);
  token.set(new Uint8Array(await crypto.subtle.sign("HMAC", key.sign, signed)), signed.length);
  return toBase64Url(token);
}

/**
 * Opens a token and returns its plaintext as a string. With `ttl` (seconds), a token older than that,
 * or stamped more than 60 s in the future, is refused; without it the time is not checked. The HMAC is
 * verified (in constant time, by WebCrypto) before anything is decrypted.
 */
export async function decrypt(key, token, ttl = null, now = Math.floor(Date.now() / 1000)) {
  let raw;
  try {
    raw = fromBase64Url(token);
  } catch {
    throw new FernetError("not URL-safe base64");
  }
  if (raw.length < HEADER + BLOCK + MAC || (raw.length - HEADER - MAC) % BLOCK !== 0) {
    throw new FernetError("wrong length");
  }
  if (raw[0] !== VERSION) {
    throw new FernetError("unknown version");
  }
  const stamped = Number(new DataView(raw.buffer).getBigUint64(1));
  if (ttl !== null) {
    if (stamped > now + MAX_CLOCK_SKEW) {
      throw new FernetError("timestamp too far in the future");
    }
    if (stamped < now - ttl) {
      throw new FernetError("expired");
    }
  }
  const signed = raw.subarray(0, raw.length - MAC);
  if (!(await crypto.subtle.verify("HMAC", key.sign, raw.subarray(raw.length - MAC), signed))) {
    throw new FernetError("the HMAC does not match this key");
  }
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv: raw.subarray(9, HEADER) }, key.enc, raw.subarray(HEADER, raw.length - MAC));
    return new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    throw new FernetError("bad padding or not UTF-8");
  }
}

function toBase64Url(bytes) {
  let binary = "";
  for (const b of bytes) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_");
}

/** Decodes URL-safe base64, padded or not; throws on anything else. */
function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) {
    throw new FernetError("not URL-safe base64");
  }
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
