import { YamoriError } from '../../../errors/index.js';

/** A secret the channel cannot work without; names the variable it should have come from. */
export function requireSecret(
  channel: string,
  config: { secretEnv: Readonly<Record<string, string>> },
  setting: string,
  value: string | null,
): string {
  if (value !== null) return value;
  const variable = config.secretEnv[setting];
  throw new YamoriError('NOTIFY_SECRET_MISSING', {
    channel,
    setting,
    variable: variable ?? `(set "${setting}" or "${setting}_env")`,
  });
}
