/**
 * The dashboard and its JSON API: overview, devices, flows, alerts (with triage), feeds and rules,
 * served by `yamori web` from the same database.
 *
 * In: HTTP requests; the store, the loaded rules and feed status. Out: JSON over the store's readers,
 * alert status changes, and the bundled browser app (web/ at the repository root).
 * Every API route needs a session (password login, HttpOnly SameSite=Strict cookie, CSRF token on each
 * change) or an API token; secrets are stored only as hashes; filters reach SQL only as bound parameters.
 * Called by cli/; imports store/, detect/, alert/, intel/, config/ and the leaves.
 */
export { createWebServer, apiRoutePatterns, type WebServer, type WebServerDeps } from './web-server.js';
export {
  createToken,
  listTokens,
  revokeToken,
  setPassword,
  ensurePassword,
  MIN_PASSWORD_LENGTH,
  type ApiTokenInfo,
} from './web-credentials.js';
export { bundleDashboard } from './dashboard-bundle.js';
export type { RemoteFacts } from './remote-summary.js';
