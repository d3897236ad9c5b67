/**
 * YamoriError and the error catalogue: every code, message template and hint, in one place.
 *
 * In: a code and the values to fill in. Out: an Error with `code`, `message`, `hint`, `source`.
 * A leaf: imports nothing of ours.
 */
export { YamoriError, isYamoriError, type ErrorParams } from './yamori-error.js';
export { CATALOGUE, type ErrorCode, type CatalogueEntry } from './catalogue.js';
