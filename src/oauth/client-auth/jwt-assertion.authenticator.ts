import { Injectable } from '@nestjs/common';
import { AuthenticatedClient, ClientAuthenticator } from '../core/extension-points';
import { ClientRequest } from '../core/client-request';
import { ClientAssertionVerifier } from './client-assertion.verifier';
import { claimLimits, JwtClientAuthProperties, parseJwtClientAuthProperties } from './jwt-client-auth.properties';

/**
 * What private_key_jwt and client_secret_jwt share: the WSO2-style properties and the
 * verification of the assertion. Subclasses say which method and algorithms they are, and
 * which assertions are theirs.
 */
@Injectable()
export abstract class JwtAssertionAuthenticator implements ClientAuthenticator {
  abstract readonly method: string;
  abstract readonly signingAlgs: readonly string[];
  private properties = new JwtClientAuthProperties();
  private limits = claimLimits(this.properties, {});

  constructor(private readonly verifier: ClientAssertionVerifier) {}

  configure(properties: Readonly<Record<string, unknown>>): void {
    ({ properties: this.properties, limits: this.limits } = parseJwtClientAuthProperties(properties));
  }

  abstract canAuthenticate(request: ClientRequest): boolean;

  authenticate(request: ClientRequest): Promise<AuthenticatedClient> {
    return this.verifier.verify(request, this.method, this.signingAlgs, this.properties, this.limits);
  }
}
