import { DynamicModule, Module, ModuleMetadata, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessTokenGuard } from './access-token.guard';
import { AccessTokenVerifier } from './access-token.verifier';
import { checkOptions, RESOURCE_SERVER_OPTIONS, ResourceServerOptions } from './resource-server.options';

export interface ResourceServerAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: unknown[];
  useFactory(...args: unknown[]): ResourceServerOptions | Promise<ResourceServerOptions>;
  /** As `globalGuard` of forRoot (it decides which providers exist, so it cannot come from the factory). */
  globalGuard?: boolean;
}

/**
 * Protects a Nest API with grantry access tokens. Import it once (it is global, so any module's
 * controllers can `@UseGuards(AccessTokenGuard)`):
 *
 * ```ts
 * ResourceServerModule.forRoot({ authority: 'https://id.example.com', audience: 'api://orders' })
 * ResourceServerModule.forRoot({ issuer: 'https://id.example.com', certificateFile: 'grantry.crt', audience: 'api://orders' })
 * ```
 *
 * Options are checked here: a mistake stops the application at start-up.
 */
@Module({})
export class ResourceServerModule {
  static forRoot(options: ResourceServerOptions): DynamicModule {
    const checked = checkOptions(options);
    return this.module([{ provide: RESOURCE_SERVER_OPTIONS, useValue: checked }], options.globalGuard === true);
  }

  static forRootAsync(options: ResourceServerAsyncOptions): DynamicModule {
    const provider: Provider = {
      provide: RESOURCE_SERVER_OPTIONS,
      useFactory: async (...args: unknown[]) => checkOptions(await options.useFactory(...args)),
      inject: (options.inject ?? []) as never[],
    };
    return this.module([provider], options.globalGuard === true, options.imports);
  }

  private static module(providers: Provider[], globalGuard: boolean, imports: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: ResourceServerModule,
      global: true,
      imports,
      providers: [...providers, AccessTokenVerifier, AccessTokenGuard, ...(globalGuard ? [{ provide: APP_GUARD, useClass: AccessTokenGuard }] : [])],
      exports: [AccessTokenVerifier, AccessTokenGuard],
    };
  }
}
