import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Deployment-wide facts kept in the database (not tenant data). */
@Entity('server_settings')
export class ServerSetting {
  @PrimaryColumn({ type: 'varchar', length: 64 }) name: string;
  @Column({ type: 'text' }) value: string;
}
