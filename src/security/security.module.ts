import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServerSetting } from '../database/server-setting.entity';
import { SecurityService } from './security.service';

@Module({
  imports: [TypeOrmModule.forFeature([ServerSetting])],
  providers: [SecurityService],
  exports: [SecurityService],
})
export class SecurityModule {}
