import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { KeyRing } from '../keys/key-ring';

/**
 * Readiness (`/health`, `/health/ready`): 200 only when the database answers and signing keys are
 * loaded (plugins are loaded before the server listens at all). Liveness (`/health/live`): 200
 * while the process serves, whatever its dependencies do — so an orchestrator restarts it only
 * when restarting can help.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource, private readonly keyRing: KeyRing) {}

  @Get()
  health(@Res() reply: FastifyReply): Promise<void> {
    return this.ready(reply);
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const database = await this.dataSource.query('SELECT 1').then(() => 'up', () => 'down');
    const keys = this.keyRing.loaded && this.keyRing.signingAlgs.length > 0 ? 'loaded' : 'missing';
    const ok = database === 'up' && keys === 'loaded';
    void reply.status(ok ? 200 : 503).header('Cache-Control', 'no-store').send({ status: ok ? 'ok' : 'unavailable', database, keys });
  }

  @Get('live')
  live(@Res() reply: FastifyReply): void {
    void reply.status(200).header('Cache-Control', 'no-store').send({ status: 'ok' });
  }
}
