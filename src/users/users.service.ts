import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { KeyedRead } from '../database/keyed-read';
import { In, Repository } from 'typeorm';
import { entityTag, IfMatch, Tagged } from '../common/entity-tag';
import { IssuerContext } from '../common/issuer-context';
import { StaleVersion } from '../common/versioned-update';
import { OAuthError } from '../common/oauth-error';
import { randomId } from '../common/random-id';
import { storable } from '../common/storable';
import { AtomicWriter, WriteStep } from '../database/atomic-writer';
import { nowSeconds, sqlBoolean } from '../database/columns';
import { isUniqueViolation } from '../database/unique-violation';
import { IdentityProvidersService } from '../identity-providers/identity-providers.service';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import { UserEntity, UserIdentityEntity } from './user.entity';
import { normalizeUsername, UserIdentityInput, UserInput } from './user-input';

/** A user as the admin API and CLI show it: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  claims: Record<string, unknown>;
  enabled: boolean;
  identities: UserIdentityInput[];
  /** Epoch seconds a lock-out ends, while one lasts. */
  locked_until: number | null;
  created_at: number;
  updated_at: number;
}

/** A change to a user, prepared for one atomic write that may carry more (see `UserLifecycle`). */
export interface UserChange {
  steps: WriteStep[];
  /** The user as the change leaves it. */
  view: UserView;
  /** The strong ETag of the version the change writes. */
  etag: string;
  /** Why the change must end what the user granted (grants, browser sessions), when it must. */
  ends?: 'user disabled' | 'new password';
  /** What a failed write means: a unique violation is the new username, taken already. */
  explain(error: unknown): unknown;
}

/**
 * Resource owners of the issuer's tenant. A change that should end what a user granted —
 * disabled, deleted, a new password — is prepared here as write steps and committed together
 * with the revocation of the user's grants by `UserLifecycle`, in one atomic write.
 */
@Injectable()
export class UsersService {
  private readonly byId: KeyedRead<UserEntity, 'id' | 'tenant'>;
  constructor(
    @InjectRepository(UserEntity) private readonly repo: Repository<UserEntity>,
    @InjectRepository(UserIdentityEntity) private readonly identities: Repository<UserIdentityEntity>,
    private readonly providers: IdentityProvidersService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly writer: AtomicWriter,
    private readonly context: IssuerContext,
  ) {
    this.byId = new KeyedRead(repo, ['id', 'tenant']);
  }

  async create(input: UserInput): Promise<UserView> {
    const created = await this.prepareCreate(input);
    await this.writer.commit(created.steps);
    return created.view;
  }

  /** A new user, not yet written: for an atomic write that may carry more (see `UserLifecycle`). */
  async prepareCreate(input: UserInput): Promise<{ steps: WriteStep[]; view: UserView }> {
    const username = input.username!;
    const now = nowSeconds();
    const user: UserEntity = {
      id: randomId(12),
      tenant: this.context.tenant,
      username,
      passwordHash: input.password === undefined ? null : await this.hasher.hash(this.policy.check(input.password, username)),
      claims: input.claims ?? {},
      enabled: input.enabled ?? true,
      failedLogins: 0,
      lockedUntil: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    const links = await this.links(user.id, input.identities ?? []);
    const steps: WriteStep[] = [
      {
        sql: `INSERT INTO users (id, tenant, username, password_hash, claims, enabled, failed_logins, locked_until, created_at, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)`,
        params: [user.id, user.tenant, user.username, user.passwordHash, JSON.stringify(user.claims), sqlBoolean(user.enabled), now, now],
        expect: 'new-key',
        refused: () => OAuthError.conflict(`a user named "${username}" exists already`),
      },
      ...this.linkSteps(links),
    ];
    return { steps, view: await this.view(user, links) };
  }

  async list(limit: number, offset: number, username?: string): Promise<{ items: UserView[]; total: number }> {
    if (username !== undefined && !storable(normalizeUsername(username), 255)) return { items: [], total: 0 };
    const where = { tenant: this.context.tenant, ...(username !== undefined ? { username: normalizeUsername(username) } : {}) };
    const [rows, total] = await this.repo.findAndCount({ where, order: { createdAt: 'ASC', id: 'ASC' }, take: limit, skip: offset });
    const links = rows.length ? await this.identities.findBy({ tenant: this.context.tenant, userId: In(rows.map((row) => row.id)) }) : [];
    return { items: await Promise.all(rows.map((row) => this.view(row, links.filter((link) => link.userId === row.id)))), total };
  }

  async get(id: string): Promise<UserView> {
    const user = await this.load(id);
    return this.view(user, await this.linksOf(id));
  }

  /** The user and the strong ETag of its stored version (admin API GET). */
  async getTagged(id: string): Promise<Tagged<UserView>> {
    const user = await this.load(id);
    return { view: await this.view(user, await this.linksOf(id)), etag: tagOf(user) };
  }

  /**
   * A partial update, not yet written: one UPDATE of the columns it changes, conditional on the
   * version read (StaleVersion when the user changed since: see `updateVersioned`); with `ifMatch`,
   * 412 unless the user is still the version it names. A new password, or `enabled: false`,
   * `ends` what the user granted (the caller adds that to the same write); a new password or
   * `locked_until: null` also ends a lock-out.
   */
  async prepareUpdate(id: string, input: UserInput, ifMatch?: IfMatch): Promise<UserChange> {
    const user = await this.load(id);
    ifMatch?.require(tagOf(user)); // RFC 9110 §13.2.2: before the content is looked at
    const username = input.username ?? user.username;
    const passwordHash = input.password === undefined ? undefined : await this.hasher.hash(this.policy.check(input.password, username));
    const disabling = input.enabled === false && user.enabled;
    const unlocking = passwordHash !== undefined || input.locked_until === null;
    const now = nowSeconds();
    const next: UserEntity = {
      ...user,
      username,
      passwordHash: passwordHash ?? user.passwordHash,
      claims: input.claims ?? user.claims,
      enabled: input.enabled ?? user.enabled,
      failedLogins: unlocking ? 0 : user.failedLogins,
      lockedUntil: unlocking ? null : user.lockedUntil,
      updatedAt: now,
      version: user.version + 1,
    };
    const links = input.identities ? await this.links(id, input.identities) : undefined;
    // Only what the change names: a concurrent sign-in's columns, and fields another change set, stay.
    const changes: [string, unknown][] = [
      ...(input.username !== undefined ? [['username', next.username] as [string, unknown]] : []),
      ...(passwordHash !== undefined ? [['password_hash', passwordHash] as [string, unknown]] : []),
      ...(input.claims !== undefined ? [['claims', JSON.stringify(next.claims)] as [string, unknown]] : []),
      ...(input.enabled !== undefined ? [['enabled', sqlBoolean(next.enabled)] as [string, unknown]] : []),
      ['updated_at', now],
    ];
    const steps: WriteStep[] = [
      {
        sql: `UPDATE users SET ${changes.map(([column]) => `${column} = ?`).join(', ')}${unlocking ? ', failed_logins = 0, locked_until = NULL' : ''}, version = version + 1
              WHERE id = ? AND tenant = ? AND version = ?`,
        params: [...changes.map(([, value]) => value), id, this.context.tenant, user.version],
        expect: 'one-row',
        refused: () => new StaleVersion(),
      },
    ];
    if (links) steps.push({ sql: 'DELETE FROM user_identities WHERE tenant = ? AND user_id = ?', params: [this.context.tenant, id] }, ...this.linkSteps(links));
    return {
      steps,
      view: await this.view(next, links ?? (await this.linksOf(id))),
      etag: tagOf(next),
      ends: disabling ? 'user disabled' : passwordHash !== undefined ? 'new password' : undefined,
      // A unique violation of the username on update is a conflict, not a 500.
      explain: (error) => (isUniqueViolation(error) ? OAuthError.conflict(`a user named "${username}" exists already`) : error),
    };
  }

  /** The statements that delete the user and its identity links (what the user granted ends in the same write: `UserLifecycle`). */
  deleteSteps(id: string): WriteStep[] {
    if (!storable(id, 64)) throw OAuthError.notFound(`no user with id ${id}`);
    return [
      { sql: 'DELETE FROM user_identities WHERE tenant = ? AND user_id = ?', params: [this.context.tenant, id] },
      {
        sql: 'DELETE FROM users WHERE id = ? AND tenant = ?',
        params: [id, this.context.tenant],
        expect: 'one-row',
        refused: () => OAuthError.notFound(`no user with id ${id}`),
      },
    ];
  }

  /**
   * The statement that removes every link of an identity provider's subjects to users, for the
   * atomic write that deletes the provider.
   */
  unlinkProviderStep(identityProviderId: string): WriteStep {
    return { sql: 'DELETE FROM user_identities WHERE tenant = ? AND identity_provider_id = ?', params: [this.context.tenant, identityProviderId] };
  }

  /**
   * A statement for the atomic write that issues the user's tokens: it holds only while the user
   * exists, is enabled and has the password it had when `user` was read. It takes the user's row lock,
   * so a concurrent change (disable, delete, new password — each revokes the user's grants in
   * its own transaction) either comes first and refuses this write, or waits and then revokes
   * the grant this write stores.
   */
  unchangedStep(user: UserEntity, refused: () => Error): WriteStep {
    // The state that matters, not updated_at: its whole seconds would miss a change within the second.
    const samePassword = user.passwordHash === null ? 'password_hash IS NULL' : 'password_hash = ?';
    return {
      sql: `UPDATE users SET failed_logins = failed_logins WHERE id = ? AND tenant = ? AND enabled = ? AND ${samePassword}`,
      params: [user.id, user.tenant, sqlBoolean(true), ...(user.passwordHash === null ? [] : [user.passwordHash])],
      expect: 'one-row',
      refused,
    };
  }

  /** By the generated id (the `sub` of the user's tokens). */
  async findById(id: string): Promise<UserEntity | undefined> {
    if (!storable(id, 64)) return undefined;
    return this.byId.one({ id, tenant: this.context.tenant });
  }

  async findByUsername(username: string): Promise<UserEntity | undefined> {
    const normalized = normalizeUsername(username);
    if (!storable(normalized, 255)) return undefined;
    const user = await this.repo.findOneBy({ username: normalized, tenant: this.context.tenant });
    // MariaDB's PAD SPACE collations match "alice " to "alice": only the exact name counts.
    return user && user.username === normalized ? user : undefined;
  }

  /** The user an identity provider's subject is linked to (`map_subject_to_user`). */
  async findByIdentity(identityProviderId: string, subject: string): Promise<UserEntity | undefined> {
    if (!storable(subject, 255)) return undefined;
    const link = await this.identities.findOneBy({ tenant: this.context.tenant, identityProviderId, subject });
    return link && link.subject === subject ? this.findById(link.userId) : undefined;
  }

  private async load(id: string): Promise<UserEntity> {
    if (!storable(id, 64)) throw OAuthError.notFound(`no user with id ${id.slice(0, 64)}`);
    const user = await this.findById(id);
    if (!user) throw OAuthError.notFound(`no user with id ${id}`);
    return user;
  }

  private async linksOf(userId: string): Promise<UserIdentityEntity[]> {
    return this.identities.findBy({ tenant: this.context.tenant, userId });
  }

  /** Identity links named by provider `name`, resolved to the provider's id (which survives a rename). */
  private async links(userId: string, inputs: UserIdentityInput[]): Promise<UserIdentityEntity[]> {
    const now = nowSeconds();
    return Promise.all(
      inputs.map(async ({ identity_provider: name, subject }) => {
        const provider = await this.providers.findByName(name);
        if (!provider) throw OAuthError.invalidRequest(`identities: no identity provider named "${name}"`);
        return { tenant: this.context.tenant, identityProviderId: provider.id, subject, userId, createdAt: now };
      }),
    );
  }

  private linkSteps(links: UserIdentityEntity[]): WriteStep[] {
    return links.map((link) => ({
      sql: 'INSERT INTO user_identities (tenant, identity_provider_id, subject, user_id, created_at) VALUES (?, ?, ?, ?, ?)',
      params: [link.tenant, link.identityProviderId, link.subject, link.userId, link.createdAt],
      expect: 'new-key' as const,
      refused: () => OAuthError.conflict(`subject "${link.subject}" of that identity provider is linked to another user already`),
    }));
  }

  private async view(user: UserEntity, links: UserIdentityEntity[]): Promise<UserView> {
    const identities = await Promise.all(
      links.map(async (link) => ({ identity_provider: (await this.providers.findById(link.identityProviderId))?.name ?? link.identityProviderId, subject: link.subject })),
    );
    const locked = user.lockedUntil !== null && user.lockedUntil > nowSeconds();
    return {
      id: user.id,
      username: user.username,
      claims: user.claims,
      enabled: user.enabled,
      identities,
      locked_until: locked ? user.lockedUntil : null,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
    };
  }
}

/**
 * The strong ETag of a stored version of a user. The lock-out it shows ends with time, without a
 * write: the tag changes then too.
 */
function tagOf(user: UserEntity): string {
  const locked = user.lockedUntil !== null && user.lockedUntil > nowSeconds() ? user.lockedUntil : null;
  return entityTag('user', user.tenant, user.id, user.version, locked);
}
