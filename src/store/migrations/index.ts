import type { Migration } from 'kysely';
import * as m0001 from './0001-foundation.js';
import * as m0002 from './0002-randomization-supply.js';
import * as m0003 from './0003-data-capture.js';
import * as m0004 from './0004-integrity.js';

/** Forward-only, numbered migrations, applied in order at start. Never edit one that has shipped. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-foundation': m0001,
  '0002-randomization-supply': m0002,
  '0003-data-capture': m0003,
  '0004-integrity': m0004,
};
