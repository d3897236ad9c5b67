/** An instant as whole microseconds since the Unix epoch, UTC. Safe in a double until the year 2255. */
export type EpochMicros = number;

export function microsFromDate(date: Date): EpochMicros {
  return date.getTime() * 1000;
}

export function dateFromMicros(micros: EpochMicros): Date {
  return new Date(Math.floor(micros / 1000));
}
