import type { WriteStep } from '../database/atomic-writer';

/** What a key change's audit row says of the key: public facts, known before its INSERT. */
export interface KeyFacts {
  kid: string;
  use: 'sig' | 'enc';
  alg: string;
}

/** What the caller writes in the atomic write of a new key (its audit row), given the key's facts. */
export type AlsoForKey = (key: KeyFacts) => readonly WriteStep[];
