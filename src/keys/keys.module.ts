import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityModule } from '../security/security.module';
import { Certificate } from './certificate.entity';
import { DecryptionKeys } from './decryption-keys';
import { EncryptionKey } from './encryption-key.entity';
import { EncryptionKeysService } from './encryption-keys.service';
import { JwksController } from './jwks.controller';
import { KeyRing } from './key-ring';
import { SigningKey } from './signing-key.entity';
import { SigningKeysService } from './signing-keys.service';
import { TruststoreService } from './truststore.service';

@Module({
  imports: [TypeOrmModule.forFeature([SigningKey, Certificate, EncryptionKey]), SecurityModule],
  controllers: [JwksController],
  providers: [SigningKeysService, KeyRing, TruststoreService, EncryptionKeysService, DecryptionKeys],
  exports: [SigningKeysService, KeyRing, TruststoreService, EncryptionKeysService, DecryptionKeys],
})
export class KeysModule {}
