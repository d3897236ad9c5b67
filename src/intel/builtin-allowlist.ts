/**
 * Infrastructure that a feed entry must never turn into an alert on a home network, with the reason.
 *
 * Addresses: private, shared, loopback, link-local, multicast and reserved ranges (some real lists
 * carry 10.0.0.0/8 or 192.168.0.0/16), and the big public DNS resolvers. The documentation ranges
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are deliberately not listed: no real
 * traffic uses them, and Yamori's sample data and tests use them as the "internet".
 *
 * Domains: hosts of file-sharing, code-hosting and paste platforms that serve many customers under one
 * name. Feeds such as URLhaus list URLs on them (a file on raw.githubusercontent.com); the URL stays an
 * indicator, but the host derived from it would flag everyone's GitHub traffic, so the host is
 * allow-listed. A domain covers itself and its subdomains ("*.example.com" is written for clarity).
 */
export interface AllowlistEntry {
  value: string;
  reason: string;
}

const PRIVATE = 'private or reserved address range: never an internet threat';
const RESOLVER = 'public DNS resolver';
const FIRST_PARTY = 'first-party service of a large platform';
const SHARED = 'shared hosting or CDN platform: the host serves many customers, only a full URL is specific';

export const BUILTIN_ALLOWLIST: readonly AllowlistEntry[] = [
  ...[
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.168.0.0/16',
    '198.18.0.0/15',
    '224.0.0.0/4',
    '240.0.0.0/4',
    '::/128',
    '::1/128',
    'fc00::/7',
    'fe80::/10',
    'ff00::/8',
  ].map((value) => ({ value, reason: PRIVATE })),
  ...[
    '1.1.1.1',
    '1.0.0.1',
    '8.8.8.8',
    '8.8.4.4',
    '9.9.9.9',
    '149.112.112.112',
    '208.67.222.222',
    '208.67.220.220',
    '94.140.14.14',
    '94.140.15.15',
    '2606:4700:4700::1111',
    '2606:4700:4700::1001',
    '2001:4860:4860::8888',
    '2001:4860:4860::8844',
    '2620:fe::fe',
    '2620:fe::9',
  ].map((value) => ({ value, reason: RESOLVER })),
  // A domain entry covers its subdomains too, so only hosts whose subdomains also belong to the
  // platform are listed: never a platform apex whose subdomains are customers' (bucket.s3.amazonaws.com,
  // x.ngrok-free.app, user.github.io stay meaningful indicators).
  ...[
    'raw.githubusercontent.com',
    'objects.githubusercontent.com',
    'gist.githubusercontent.com',
    'github.com',
    'gitlab.com',
    'bitbucket.org',
    'drive.google.com',
    'docs.google.com',
    'sites.google.com',
    'storage.googleapis.com',
    'firebasestorage.googleapis.com',
    'dropbox.com',
    'www.dropbox.com',
    'dl.dropboxusercontent.com',
    'onedrive.live.com',
    '1drv.ms',
    'cdn.discordapp.com',
    'media.discordapp.net',
    'discord.com',
    'mediafire.com',
    'www.mediafire.com',
    'download.mediafire.com',
    'pastebin.com',
    'telegra.ph',
    'transfer.sh',
    'api.telegram.org',
  ].map((value) => ({ value, reason: SHARED })),
  // First-party services of the large platforms, subdomains included ("*.").
  ...[
    '*.google.com',
    '*.googlevideo.com',
    '*.apple.com',
    '*.icloud.com',
    '*.microsoft.com',
    '*.windowsupdate.com',
  ].map((value) => ({ value, reason: FIRST_PARTY })),
];
