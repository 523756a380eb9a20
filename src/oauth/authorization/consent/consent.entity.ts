import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochSeconds } from '../../../database/columns';

/** The scopes a user approved for a client, remembered so the next request does not ask again. */
@Entity('consents')
export class ConsentEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) tenant: string;
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 }) userId: string;
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 64 }) clientId: string;
  @Column({ type: 'text' }) scope: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochSeconds }) createdAt: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochSeconds }) updatedAt: number;
}
