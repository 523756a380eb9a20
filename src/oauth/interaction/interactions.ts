import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../common/issuer-context';
import { storable } from '../../common/storable';
import { randomToken } from '../../common/random-pool';
import { LoginSettings } from '../../config/config.schema';
import { AtomicWriter, WriteStep } from '../../database/atomic-writer';
import { nowSeconds } from '../../database/columns';
import type { ValidatedAuthorizationRequest } from '../authorize/authorization-request';
import { hashToken } from '../tokens/token-hash';
import { cookieName, readCookie, setCookie } from './cookies';
import { InteractionEntity } from './interaction.entity';

const BINDING_COOKIE = 'grantry_interaction';

/** The interaction cannot go on: expired, finished, or started in another browser. */
export class InteractionGone extends Error {}

/**
 * Authorization requests waiting for the user. Each is bound to the browser that started it (a
 * cookie whose hash it keeps: a link to it opened elsewhere finds nothing) and carries a CSRF
 * token that only its own pages show; finishing deletes it, by one statement, so a form posted
 * twice finishes it once.
 */
@Injectable()
export class Interactions {
  constructor(
    @InjectRepository(InteractionEntity) private readonly repo: Repository<InteractionEntity>,
    private readonly settings: LoginSettings,
    private readonly writer: AtomicWriter,
    private readonly context: IssuerContext,
  ) {}

  private get secure(): boolean {
    return this.context.issuer.startsWith('https://');
  }

  private get cookie(): string {
    return cookieName(BINDING_COOKIE, this.secure);
  }

  async start(request: FastifyRequest, reply: FastifyReply, authorization: ValidatedAuthorizationRequest, sessionId: string | undefined, step: number): Promise<InteractionEntity> {
    let binding = readCookie(request, this.cookie);
    if (!binding || !/^[A-Za-z0-9_-]{43}$/.test(binding)) {
      binding = randomToken(32);
      // Lax: the interaction pages are top-level navigations and same-site posts of our own forms.
      setCookie(reply, this.cookie, binding, { secure: this.secure, sameSite: 'Lax' });
    }
    const now = nowSeconds();
    const interaction: InteractionEntity = {
      id: randomToken(24),
      tenant: this.context.tenant,
      bindingHash: hashToken(binding),
      csrf: randomToken(24),
      clientId: authorization.clientId,
      request: authorization,
      sessionId: sessionId ?? null,
      userId: null,
      amr: null,
      acr: null,
      step,
      createdAt: now,
      expiresAt: now + this.settings.interaction_ttl,
    };
    await this.writer.commit([
      {
        sql: `INSERT INTO interactions (id, tenant, binding_hash, csrf, client_id, request, session_id, step, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        params: [interaction.id, interaction.tenant, interaction.bindingHash, interaction.csrf, interaction.clientId, JSON.stringify(authorization), interaction.sessionId, step, now, interaction.expiresAt],
      },
    ]);
    return interaction;
  }

  /** The interaction `id` of this browser, still open. */
  async load(request: FastifyRequest, id: string): Promise<InteractionEntity> {
    const binding = readCookie(request, this.cookie);
    // The id comes from the URL: one no column holds (a NUL fails the query on PostgreSQL) is no interaction.
    if (!binding || !storable(id, 64)) throw new InteractionGone();
    const interaction = await this.repo.findOneBy({ id, tenant: this.context.tenant });
    if (!interaction || interaction.expiresAt <= nowSeconds() || !equal(interaction.bindingHash, hashToken(binding))) throw new InteractionGone();
    return interaction;
  }

  /** The form's CSRF token is the interaction's own. */
  csrfMatches(interaction: InteractionEntity, csrf: string | undefined): boolean {
    return typeof csrf === 'string' && equal(csrf, interaction.csrf);
  }

  /** Moves to the next step: records who the steps so far identified, or the session the last one started. */
  async advance(interaction: InteractionEntity, changes: { step?: number; sessionId?: string; userId?: string; amr?: string[]; acr?: string | null }): Promise<void> {
    Object.assign(interaction, changes);
    await this.writer.commit([
      {
        sql: 'UPDATE interactions SET step = ?, session_id = ?, user_id = ?, amr = ?, acr = ? WHERE id = ? AND tenant = ?',
        params: [interaction.step, interaction.sessionId, interaction.userId, interaction.amr ? JSON.stringify(interaction.amr) : null, interaction.acr ?? null, interaction.id, this.context.tenant],
        expect: 'one-row',
        refused: () => new InteractionGone(),
      },
    ]);
  }

  /**
   * The statement that hands the interaction to the session its last login step starts: only
   * while no session has it yet and the step is still the one just passed (a double post loses).
   */
  claimStep(interaction: InteractionEntity): (sessionId: string) => WriteStep {
    return (sessionId) => ({
      sql: 'UPDATE interactions SET session_id = ? WHERE id = ? AND tenant = ? AND session_id IS NULL AND step = ?',
      params: [sessionId, interaction.id, this.context.tenant, interaction.step],
      expect: 'one-row',
      refused: () => new InteractionGone(),
    });
  }

  /** Ends the interaction; only one of two concurrent finishes succeeds. */
  async finish(interaction: InteractionEntity): Promise<void> {
    await this.writer.commit([
      { sql: 'DELETE FROM interactions WHERE id = ? AND tenant = ?', params: [interaction.id, this.context.tenant], expect: 'one-row', refused: () => new InteractionGone() },
    ]);
  }
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
