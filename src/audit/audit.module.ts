import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditEventEntity } from './audit-event.entity';
import { AuditTrail } from './audit-trail';

/** The audit trail (`audit_events`): changes commit their row through `AuditTrail.step`. */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity])],
  providers: [AuditTrail],
  exports: [AuditTrail],
})
export class AuditModule {}
