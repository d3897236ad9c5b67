import { describe, expect, it } from 'vitest';
import { createOuiVendorLookup, loadOuiVendorLookup } from './oui-vendor.js';

describe('loadOuiVendorLookup', () => {
  it('names vendors from the IEEE registry by their 24-bit prefix', async () => {
    const vendorOf = await loadOuiVendorLookup();
    expect(vendorOf('3c:22:fb:12:34:56')).toBe('Apple, Inc.');
    expect(vendorOf('f4:f5:d8:12:34:56')).toBe('Google, Inc.');
  });

  it('prefers a 28-bit MA-M block over the IEEE-owned 24-bit block around it', async () => {
    const vendorOf = await loadOuiVendorLookup();
    expect(vendorOf('10:06:48:01:02:03')).toBe('FLEXTRONICS TECHNOLOGIES (INDIA) PVT LTD');
    expect(vendorOf('10:06:48:11:02:03')).toBe('KYTRONICS');
  });

  it('prefers a 36-bit MA-S block', async () => {
    const vendorOf = await loadOuiVendorLookup();
    expect(vendorOf('00:1b:c5:00:00:01')).toBe('Converging Systems Inc.');
    expect(vendorOf('00:1b:c5:00:10:01')).toBe('OpenRB.com, Direct SIA');
  });

  it('loads the registry once', async () => {
    expect(await loadOuiVendorLookup()).toBe(await loadOuiVendorLookup());
  });
});

describe('createOuiVendorLookup', () => {
  const vendorOf = createOuiVendorLookup({
    '3C22FB': 'Apple, Inc.\n1 Infinite Loop\nCupertino CA 95014',
    '0A0000': 'Would be ignored: locally administered',
    '123456': '  \nno name on the first line',
  });

  it('takes the first line of the registry entry as the name', () => {
    expect(vendorOf('3c:22:fb:00:00:00')).toBe('Apple, Inc.');
  });

  it('names no vendor for a randomised (locally administered) MAC, even when its prefix is listed', () => {
    expect(vendorOf('0a:00:00:00:00:01')).toBeNull();
  });

  it('names no vendor for an unlisted prefix or an empty name', () => {
    expect(vendorOf('00:00:01:00:00:00')).toBeNull();
    expect(vendorOf('12:34:56:00:00:00')).toBeNull();
  });
});
