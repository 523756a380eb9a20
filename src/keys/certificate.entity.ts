import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds } from '../database/columns';

/** A trusted certificate (of a client or an identity provider), found by alias. */
@Entity('certificates')
export class Certificate {
  @PrimaryColumn({ type: 'varchar', length: 64 }) tenant: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) alias: string;
  @Column({ type: 'text' }) pem: string;
  @Column({ type: 'text' }) subject: string;
  /** SHA-256 fingerprint, as `openssl x509 -fingerprint -sha256` prints it. */
  @Column({ type: 'varchar', length: 128 }) fingerprint: string;
  @Column({ name: 'not_after', type: 'bigint', transformer: epochSeconds }) notAfter: number;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
}
