import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdentityProvidersModule } from '../identity-providers/identity-providers.module';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicy } from './password-policy';
import { UserEntity, UserIdentityEntity } from './user.entity';
import { UserSignIn } from './user-sign-in';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, UserIdentityEntity]), IdentityProvidersModule],
  providers: [UsersService, UserSignIn, PasswordHasher, PasswordPolicy],
  exports: [UsersService, UserSignIn, PasswordHasher],
})
export class UsersModule {}
