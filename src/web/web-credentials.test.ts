import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemoryStore, TEST_EPOCH } from '../store/testing.js';
import type { Store } from '../store/index.js';
import {
  checkPassword,
  createToken,
  ensurePassword,
  listTokens,
  revokeToken,
  setPassword,
  verifyToken,
} from './web-credentials.js';

describe('the dashboard credentials', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openMemoryStore();
  });
  afterEach(async () => store.close());

  it('generates a password once, stores only its scrypt hash, and checks it', async () => {
    const password = await ensurePassword(store);
    expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    expect(await ensurePassword(store)).toBeNull();
    const stored = JSON.stringify(await store.readSettings('web.'));
    expect(stored).not.toContain(password!);
    expect(stored).toMatch(/"scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}"/);
    expect(await checkPassword(store, password!)).toBe(true);
    expect(await checkPassword(store, password!.toUpperCase())).toBe(false);
  });

  it('refuses a short new password and keeps the old one', async () => {
    const password = (await ensurePassword(store))!;
    await expect(setPassword(store, 'short')).rejects.toMatchObject({ code: 'WEB_PASSWORD_TOO_SHORT' });
    expect(await checkPassword(store, password)).toBe(true);
  });

  it('creates tokens shown once, verifies them by hash, and revokes one without touching a similar name', async () => {
    const home = await createToken(store, 'home', TEST_EPOCH);
    const home2 = await createToken(store, 'home2', TEST_EPOCH);
    expect(home).toMatch(/^yamori_[0-9a-f]{12}_[\w-]{43}$/);
    expect(JSON.stringify(await store.readSettings('web.'))).not.toContain(home.slice(20));
    expect(await verifyToken(store, home)).toBe('home');
    expect(await verifyToken(store, home.slice(0, -1) + (home.endsWith('A') ? 'B' : 'A'))).toBeNull();
    await expect(createToken(store, 'home', TEST_EPOCH)).rejects.toMatchObject({ code: 'WEB_TOKEN_EXISTS' });
    await revokeToken(store, 'home');
    expect(await verifyToken(store, home)).toBeNull();
    expect(await verifyToken(store, home2)).toBe('home2');
    expect((await listTokens(store)).map((t) => t.name)).toEqual(['home2']);
    await expect(revokeToken(store, 'home')).rejects.toMatchObject({ code: 'WEB_TOKEN_NOT_FOUND' });
  });
});
