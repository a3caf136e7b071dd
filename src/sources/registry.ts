import type { SourceConfig } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { StatusSource } from './source.ts';
import { StatuspageSource } from './statuspage/index.ts';
import { WebhookSource, WEBHOOK_PARSERS } from './webhook/index.ts';
import { ManualSource } from './manual/index.ts';
import { ProbeSource } from './probe/index.ts';
import { FeedSource } from './feed/index.ts';
import { PrometheusSource } from './prometheus/index.ts';

type Factory<T extends SourceConfig['type']> = (config: Extract<SourceConfig, { type: T }>) => StatusSource;
type SourceFactories = { [T in SourceConfig['type']]: Factory<T> };

/** Adding a source type is one folder and one line here. */
export const SOURCES: SourceFactories = {
  statuspage: (c) => new StatuspageSource(c),
  webhook: (c) => {
    if (!WEBHOOK_PARSERS[c.format])
      throw new ConfigError(`sources ${c.id}.format`, `the ${c.format} webhook format is not available in this build`);
    return new WebhookSource(c);
  },
  manual: (c) => new ManualSource(c.id),
  feed: (c) => new FeedSource(c),
  probe: (c) => new ProbeSource(c),
  prometheus: (c) => new PrometheusSource(c),
};

export const createSource = (config: SourceConfig): StatusSource => (SOURCES[config.type] as Factory<typeof config.type>)(config as never);
