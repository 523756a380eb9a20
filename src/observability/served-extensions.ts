import { Injectable } from '@nestjs/common';

/** A drop-in plugin the server runs, as the start-up summary lists it. */
export interface ServedPlugin {
  kind: 'grant' | 'authenticator' | 'login_step';
  name: string;
  /** The file it was loaded from. */
  file?: string;
}

/** What the oauth side reports, once its registries are complete. */
export interface ServedReport {
  /** Enabled grant types, in registry order. */
  grantTypes: readonly string[];
  /** Enabled client-authentication methods, in registry order. */
  authMethods: readonly string[];
  plugins: readonly ServedPlugin[];
}

/**
 * What this server serves: the grant types and client-authentication methods (the closed label
 * sets of the token metrics, and the lists of the start-up summary) and the drop-in plugins. The
 * oauth side reports them at bootstrap, when its registries are complete; observability knows
 * nothing of where they come from, and reads them only afterwards (requests, the summary after listen).
 */
@Injectable()
export class ServedExtensions {
  private served: ServedReport = { grantTypes: [], authMethods: [], plugins: [] };
  private grantTypeSet: ReadonlySet<string> = new Set();
  private authMethodSet: ReadonlySet<string> = new Set();

  report(served: ServedReport): void {
    this.served = served;
    this.grantTypeSet = new Set(served.grantTypes);
    this.authMethodSet = new Set(served.authMethods);
  }

  get grantTypes(): readonly string[] {
    return this.served.grantTypes;
  }

  get authMethods(): readonly string[] {
    return this.served.authMethods;
  }

  get plugins(): readonly ServedPlugin[] {
    return this.served.plugins;
  }

  servesGrantType(grantType: string): boolean {
    return this.grantTypeSet.has(grantType);
  }

  servesAuthMethod(method: string): boolean {
    return this.authMethodSet.has(method);
  }
}
