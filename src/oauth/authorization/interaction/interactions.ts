import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { Repository } from 'typeorm';
import { IssuerContext } from '../../../common/issuer-context';
import { storable } from '../../../common/storable';
import { randomToken } from '../../../common/random-pool';
import { LoginSettings } from '../../../config/config.schema';
import { AtomicWriter, WriteStep } from '../../../database/atomic-writer';
import { nowSeconds } from '../../../database/columns';
import type { ValidatedAuthorizationRequest } from '../request/authorization-request';
import { hashToken } from '../../tokens/token-hash';
import { InteractionEntity } from './interaction.entity';
import { InteractionGone } from './interaction-gone';
import { interactionPage } from './interaction-path';
import type { StateChanges } from './interaction-machine';

/** A binding this server made: 32 random bytes, base64url. Anything else the browser sends is replaced. */
const BINDING = /^[A-Za-z0-9_-]{43}$/;

/**
 * Authorization requests waiting for the user: the store of the interaction state machine
 * (`interaction-machine.ts`). Each is bound to the browser that started it (the secret of a
 * cookie, whose hash it keeps: a link to it opened elsewhere finds nothing) and carries a CSRF
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

  /** The binding for interactions of a browser: the one its cookie holds, or (none or not one of ours) a new one for the HTTP layer to set. */
  bindingFor(cookie: string | undefined): string {
    return cookie && BINDING.test(cookie) ? cookie : randomToken(32);
  }

  /** A new interaction, bound to the browser whose binding cookie holds `binding`. */
  async start(binding: string, authorization: ValidatedAuthorizationRequest, start: { sessionId: string | null; step: number }): Promise<InteractionEntity> {
    const { sessionId, step } = start;
    const now = nowSeconds();
    const interaction: InteractionEntity = {
      id: randomToken(24),
      tenant: this.context.tenant,
      bindingHash: hashToken(binding),
      csrf: randomToken(24),
      clientId: authorization.clientId,
      request: authorization,
      sessionId,
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

  /** The interaction `id` of the browser whose binding cookie holds `binding`, still open. */
  async load(binding: string | undefined, id: string): Promise<InteractionEntity> {
    // The id comes from the URL: one no column holds (a NUL fails the query on PostgreSQL) is no interaction.
    if (!binding || !storable(id, 64)) throw new InteractionGone();
    const interaction = await this.repo.findOneBy({ id, tenant: this.context.tenant });
    if (!interaction || interaction.expiresAt <= nowSeconds() || !equal(interaction.bindingHash, hashToken(binding))) throw new InteractionGone();
    return interaction;
  }

  /**
   * Where the interaction's page (or one of its forms) is: under the path of the issuer it
   * belongs to — the one serving, since it is found only by (tenant, id) — so a tenant's pages
   * come back to the tenant.
   */
  pageOf(interaction: InteractionEntity, action?: 'login' | 'select' | 'consent'): string {
    return interactionPage(this.context.current.pathPrefix, interaction.id, action);
  }

  /** The form's CSRF token is the interaction's own. */
  csrfMatches(interaction: InteractionEntity, csrf: string | undefined): boolean {
    return typeof csrf === 'string' && equal(csrf, interaction.csrf);
  }

  /** Persists a transition of the state machine: who the steps so far identified, the next step, the session chosen. */
  async advance(interaction: InteractionEntity, changes: StateChanges): Promise<void> {
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
