import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GithubChannelConfig } from '../../../config/index.js';
import { runHttpNotifierContract } from '../notifier.contract.js';
import { DeliveryFailure } from '../notification.js';
import {
  fixedSample,
  hostileDigest,
  sendOptions,
  startRecordingServer,
  type RecordingServer,
} from '../testing.js';
import { createGithubNotifier, GITHUB_LIMITS } from './github.js';

const TOKEN = 'github_pat_11SECRETSECRET';
const config = (url: string): GithubChannelConfig => ({
  type: 'github',
  repo: 'house/alerts',
  token: TOKEN,
  apiUrl: url,
  labels: ['yamori', 'security'],
  secretEnv: {},
});

runHttpNotifierContract({
  type: 'github',
  create: (url) => createGithubNotifier('issues', config(url)),
  ok: { status: 201, headers: { 'content-type': 'application/json' }, body: '{"number":1}' },
  secrets: [TOKEN],
});

describe('createGithubNotifier', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer(() => ({ status: 201, body: '{"number":7}' }));
  });
  afterAll(async () => server.close());

  it('opens an issue with title, Markdown body, labels and the REST API headers', async () => {
    await createGithubNotifier('issues', config(server.url)).send(
      fixedSample(),
      sendOptions('alert-9:issues:1'),
    );
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/repos/house/alerts/issues');
    expect(request.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(request.headers['accept']).toBe('application/vnd.github+json');
    expect(request.headers['x-github-api-version']).toBe('2022-11-28');
    expect(request.headers['user-agent']).toBe('yamori');
    const issue = JSON.parse(request.body) as { title: string; body: string; labels: string[] };
    expect(Object.keys(issue).sort()).toEqual(['body', 'labels', 'title']);
    expect(issue.title).toBe('[HIGH] Test: kids-tablet contacted C2 203.0.113.9 (qakbot)');
    expect(issue.labels).toEqual(['yamori', 'security']);
    expect(issue.body).toContain('### What to do first');
    expect(issue.body).toContain('- **Device:** **kids-tablet**');
    expect(issue.body).toContain('<!-- yamori idempotency-key: alert-9:issues:1 -->');
  });

  it('escapes mentions and issue references that users wrote, and stays within the body limit', async () => {
    await createGithubNotifier('issues', config(server.url)).send(hostileDigest(2000), sendOptions());
    const issue = server.lastJson() as { title: string; body: string };
    expect(issue.title.length).toBeLessThanOrEqual(GITHUB_LIMITS.title);
    expect(issue.body.length).toBeLessThanOrEqual(GITHUB_LIMITS.body);
    expect(issue.body).toContain('\\@everyone \\#0');
    expect(issue.body).not.toMatch(/[^\\]@everyone/);
  });

  it.each([
    ['a rate-limited 403', 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0' }, false],
    ['a secondary rate limit with Retry-After', 403, { 'retry-after': '60' }, false],
    ['a 403 for a token without access', 403, {}, true],
    ['a 422 validation failure', 422, {}, true],
    ['issues turned off (410)', 410, {}, true],
  ])('sorts %s', async (_name, status, headers, permanent) => {
    server.respond(() => ({ status, headers, body: '{"message":"nope"}' }));
    const failure = await createGithubNotifier('issues', config(server.url))
      .send(fixedSample(), sendOptions())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeliveryFailure);
    expect((failure as DeliveryFailure).permanent).toBe(permanent);
  });
});
