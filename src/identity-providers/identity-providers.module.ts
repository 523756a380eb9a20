import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityProviderEntity } from './identity-provider.entity';
import { IdentityProvidersService } from './identity-providers.service';

@Module({
  imports: [TypeOrmModule.forFeature([IdentityProviderEntity])],
  providers: [IdentityProvidersService],
  exports: [IdentityProvidersService],
})
export class IdentityProvidersModule {}
