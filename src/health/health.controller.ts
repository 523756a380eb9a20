import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { KeyRing } from '../keys/key-ring';

/** Liveness and readiness: 200 only when the database answers and signing keys are loaded. */
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource, private readonly keyRing: KeyRing) {}

  @Get()
  async health(@Res() reply: FastifyReply): Promise<void> {
    const database = await this.dataSource.query('SELECT 1').then(() => 'up', () => 'down');
    const keys = this.keyRing.loaded && this.keyRing.signingAlgs.length > 0 ? 'loaded' : 'missing';
    const ok = database === 'up' && keys === 'loaded';
    void reply.status(ok ? 200 : 503).header('Cache-Control', 'no-store').send({ status: ok ? 'ok' : 'unavailable', database, keys });
  }
}
