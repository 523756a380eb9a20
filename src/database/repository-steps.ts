import type { ObjectLiteral, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { WriteStep } from './atomic-writer';

/** What a step may say besides its statement: its expectation and the error that refuses it. */
type StepOptions = Omit<WriteStep, 'sql' | 'params'>;

/**
 * The INSERT of `entity` as a step of an atomic write: column names and value transformers (JSON
 * text, booleans, epoch seconds) from the entity's mapping, in the dialect of the database.
 */
export function insertStep<T extends ObjectLiteral>(repo: Repository<T>, entity: T, options: StepOptions = {}): WriteStep {
  const [sql, params] = repo.createQueryBuilder().insert().into(repo.target).values(entity as QueryDeepPartialEntity<T>).updateEntity(false).getQueryAndParameters();
  return { sql, params, ...options };
}

/** The UPDATE of `set` (entity properties; a function is raw SQL, e.g. `() => 'version + 1'`) where `where` holds, as a step of an atomic write. */
export function updateStep<T extends ObjectLiteral>(repo: Repository<T>, set: QueryDeepPartialEntity<T>, where: string, parameters: ObjectLiteral, options: StepOptions = {}): WriteStep {
  const [sql, params] = repo.createQueryBuilder().update(repo.target).set(set).where(where, parameters).getQueryAndParameters();
  return { sql, params, ...options };
}
