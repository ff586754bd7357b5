/**
 * Ed25519 signatures (node:crypto) over canonical JSON: keys sorted, no spaces, so the same
 * document always has the same bytes whatever order its fields were written in.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

export function generateLabKeys(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A short, stable name for a public key: SHA-256 of its DER form. */
export function keyId(publicKey: KeyObject): string {
  return 'sha256:' + createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 32);
}

export function loadPrivateKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new InputError('E_KEY', `cannot read the signing key ${path}`, { file: path, hint: 'make a lab key pair with `poshil keygen --out lab`' });
  }
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key`);
    return key;
  } catch (error) {
    throw new InputError('E_KEY', `${path} is not an Ed25519 private key (${(error as Error).message})`, { file: path, hint: 'use the .key file that `poshil keygen` wrote' });
  }
}

export function loadPublicKey(pemOrPath: string, isPath = true): KeyObject {
  let pem = pemOrPath;
  if (isPath) {
    try {
      pem = readFileSync(pemOrPath, 'utf8');
    } catch {
      throw new InputError('E_KEY', `cannot read the public key ${pemOrPath}`, { file: pemOrPath });
    }
  }
  // Node would derive the public key from a private one; taking it would teach people to hand
  // the signing key to everyone who checks a certificate.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new InputError('E_KEY', `${isPath ? pemOrPath : 'the key given'} is a private key: checking a certificate needs only the public key`, {
      ...(isPath ? { file: pemOrPath } : {}),
      hint: 'give the .pub file that `poshil keygen` wrote beside the .key; the private key stays with whoever signs',
    });
  }
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new InputError('E_KEY', `not a public key: ${(error as Error).message}`, isPath ? { file: pemOrPath } : {});
  }
}

export function signDocument(document: unknown, privateKey: KeyObject): string {
  return sign(null, Buffer.from(canonicalJson(document)), privateKey).toString('base64');
}

export function verifyDocument(document: unknown, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(canonicalJson(document)), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
