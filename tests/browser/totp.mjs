// totp.mjs — what an authenticator app computes, for the tests that turn the second factor
// on: RFC 4648 base32 (the secret as the server shows it) and RFC 6238 codes (SHA-1, 6 digits,
// 30 s steps).

import { createHmac } from 'node:crypto';

/** RFC 4648 base32 (no padding, spaces ignored) to bytes. */
export function fromBase32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/ /g, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** Unix seconds now. */
export const now = () => Math.floor(Date.now() / 1000);

/** The 6-digit code for `secret` at unix time `t` (default: now). */
export function totp(secret, t = now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(t / 30)));
  const h = createHmac('sha1', secret).update(counter).digest();
  const o = h[h.length - 1] & 15;
  const v = (((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1_000_000;
  return String(v).padStart(6, '0');
}
