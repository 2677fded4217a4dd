import { CHANNEL_REGISTRY, CHANNELS, type Channel, type ProviderOf } from '../../channels';
import type { Config } from '../../config';
import type { Pool } from '../../db/pool';

export type ChannelProviders = { [C in Channel]: ProviderOf<C> };

/** One provider per channel, as the configuration chooses them (`mailbox` by default). */
export type Providers = ChannelProviders & {
  /** Releases what the providers hold open (pooled SMTP connections). */
  close(): Promise<void>;
};

export function createProviders(config: Config, pool: Pool): Providers {
  const providers = Object.fromEntries(CHANNELS.map((c) => [c, CHANNEL_REGISTRY[c].createProvider(config, pool)])) as ChannelProviders;
  return {
    ...providers,
    async close() {
      for (const provider of Object.values(providers)) provider.close?.();
    },
  };
}
