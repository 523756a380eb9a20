import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityModule } from '../security/security.module';
import { Certificate } from './certificate.entity';
import { JwksController } from './jwks.controller';
import { KeyRing } from './key-ring';
import { SigningKey } from './signing-key.entity';
import { SigningKeysService } from './signing-keys.service';
import { TruststoreService } from './truststore.service';

@Module({
  imports: [TypeOrmModule.forFeature([SigningKey, Certificate]), SecurityModule],
  controllers: [JwksController],
  providers: [SigningKeysService, KeyRing, TruststoreService],
  exports: [SigningKeysService, KeyRing, TruststoreService],
})
export class KeysModule {}
