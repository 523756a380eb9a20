import { Global, Module } from '@nestjs/common';
import { IssuerContext } from './issuer-context';

/**
 * Who is issuing, for every module. Apart from the configuration module, which stays a plain
 * holder of the validated file: the issuer is derived from `[server]`, not part of it.
 */
@Global()
@Module({ providers: [IssuerContext], exports: [IssuerContext] })
export class IssuerContextModule {}
