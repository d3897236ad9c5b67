/**
 * The dashboard's secrets, kept in the store's settings table and never in the clear: the password as a
 * salted scrypt hash (`web.password_hash`) and each API token as the SHA-256 of its random secret
 * (`web.token.<name>/`). A token is `yamori_<id>_<secret>`; the id finds its entry, the hash checks it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { YamoriError } from '../errors/index.js';
import type { EpochMicros } from '../records/index.js';
import type { Store } from '../store/index.js';
import { generatePassword, hashPassword, verifyPassword } from './password-hash.js';

const PASSWORD_KEY = 'web.password_hash';
const TOKEN_PREFIX = 'web.token.';
export const MIN_PASSWORD_LENGTH = 10;
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface ApiTokenInfo {
  name: string;
  id: string;
  createdAt: EpochMicros;
}

interface StoredToken extends ApiTokenInfo {
  sha256: string;
}

// The key ends in "/" (never in a name), so replacing the prefix of "home" leaves "home2" alone.
const tokenKey = (name: string): string => `${TOKEN_PREFIX}${name}/`;

/**
 * Makes sure a password exists: when none is stored, generates one, stores its hash and returns it
 * (to be shown once); otherwise returns null.
 */
export async function ensurePassword(store: Store): Promise<string | null> {
  const stored = await store.readSettings(PASSWORD_KEY);
  if (stored[PASSWORD_KEY] !== undefined) return null;
  const password = generatePassword();
  await store.replaceSettings(PASSWORD_KEY, { [PASSWORD_KEY]: await hashPassword(password) });
  return password;
}

/** Replaces the password; throws WEB_PASSWORD_TOO_SHORT below MIN_PASSWORD_LENGTH characters. */
export async function setPassword(store: Store, password: string): Promise<void> {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new YamoriError('WEB_PASSWORD_TOO_SHORT', {
      length: [...password].length,
      min: MIN_PASSWORD_LENGTH,
    });
  }
  await store.replaceSettings(PASSWORD_KEY, { [PASSWORD_KEY]: await hashPassword(password) });
}

export async function checkPassword(store: Store, password: string): Promise<boolean> {
  const stored = (await store.readSettings(PASSWORD_KEY))[PASSWORD_KEY];
  return stored !== undefined && (await verifyPassword(password, stored));
}

async function readTokens(store: Store): Promise<StoredToken[]> {
  const settings = await store.readSettings(TOKEN_PREFIX);
  const tokens: StoredToken[] = [];
  for (const value of Object.values(settings)) {
    try {
      const parsed = JSON.parse(value) as Partial<StoredToken>;
      if (
        typeof parsed.name === 'string' &&
        typeof parsed.id === 'string' &&
        typeof parsed.sha256 === 'string'
      ) {
        tokens.push({
          name: parsed.name,
          id: parsed.id,
          sha256: parsed.sha256,
          createdAt: Number(parsed.createdAt),
        });
      }
    } catch {
      // A damaged entry authenticates nothing; "yamori web token revoke" removes it.
    }
  }
  return tokens;
}

export async function listTokens(store: Store): Promise<ApiTokenInfo[]> {
  return (await readTokens(store))
    .map(({ name, id, createdAt }) => ({ name, id, createdAt }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Creates a token and returns it; only its hash is stored, so this is the one time it is seen. */
export async function createToken(store: Store, name: string, now: EpochMicros): Promise<string> {
  if (!TOKEN_NAME.test(name)) {
    throw new YamoriError('CLI_BAD_VALUE', {
      flag: 'NAME',
      value: name,
      expected: 'a token name (letters, digits, ".", "_" and "-", up to 64)',
      example: 'For example: yamori web token create home-assistant',
    });
  }
  if ((await readTokens(store)).some((token) => token.name === name)) {
    throw new YamoriError('WEB_TOKEN_EXISTS', { name });
  }
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const entry: StoredToken = { name, id, createdAt: now, sha256: sha256(secret) };
  await store.replaceSettings(tokenKey(name), { [tokenKey(name)]: JSON.stringify(entry) });
  return `yamori_${id}_${secret}`;
}

export async function revokeToken(store: Store, name: string): Promise<void> {
  if (!(await readTokens(store)).some((token) => token.name === name)) {
    throw new YamoriError('WEB_TOKEN_NOT_FOUND', { name });
  }
  await store.replaceSettings(tokenKey(name), {});
}

/** The token's name when `bearer` is a valid token, else null. */
export async function verifyToken(store: Store, bearer: string): Promise<string | null> {
  const match = /^yamori_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(bearer);
  if (match === null) return null;
  const token = (await readTokens(store)).find((entry) => entry.id === match[1]);
  if (token === undefined) return null;
  const given = Buffer.from(sha256(match[2]!), 'hex');
  const expected = Buffer.from(token.sha256, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? token.name : null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
