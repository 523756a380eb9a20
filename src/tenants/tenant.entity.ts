import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds, jsonText } from '../database/columns';

/** A tenant: an isolated issuer named by its domain (`/t/{domain}`), its rows carrying the domain as `tenant`. */
@Entity('tenants')
export class TenantEntity {
  /** Lower-case DNS name, at most 64 characters (see tenant-domain.ts); never changes. */
  @PrimaryColumn({ type: 'varchar', length: 64 }) domain: string;
  @Column({ name: 'display_name', type: 'varchar', length: 255 }) displayName: string;
  /** A disabled tenant answers every endpoint with an error and issues nothing. */
  @Column({ type: 'boolean', default: true }) enabled: boolean;
  /** Setting overrides set through the admin API, shaped as the deployment file's keys; `{}` when none. */
  @Column({ type: 'text', transformer: jsonText }) settings: Record<string, unknown>;
  /** Raised by every change; an administrator's change is an UPDATE conditional on it (the ETag names it). */
  @Column({ type: 'integer', default: 1 }) version: number;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
}
