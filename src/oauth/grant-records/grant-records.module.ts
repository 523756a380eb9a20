import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GrantRecordEntity } from './grant-record.entity';
import { GrantRecords } from './grant-records';

/** Grant records on their own: the token endpoint writes them, users and clients revoke them. */
@Module({
  imports: [TypeOrmModule.forFeature([GrantRecordEntity])],
  providers: [GrantRecords],
  exports: [GrantRecords],
})
export class GrantRecordsModule {}
