/**
 * Shared record types: flows, DNS answers, devices, indicators, alerts and rule state, and time.
 * Types and pure checks only, and flows' packed form (flow-batch.ts), in which the collector's threads
 * hand flows on and the store writes them without an object per flow.
 *
 * In: nothing. Out: the shapes every stage passes to the next.
 * A leaf: imports nothing of ours, and every folder may import it.
 */
export * from './time.js';
export * from './flow.js';
export * from './flow-batch.js';
export * from './one-way-flow.js';
export * from './dns.js';
export * from './device.js';
export * from './indicator.js';
export * from './alert.js';
