import type { YamoriConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

/** Opens the configured database, runs `use`, and closes it whatever happens. */
export async function withStore<T>(config: YamoriConfig, use: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config.store);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
