import 'reflect-metadata';
import type { EventListenerSettings } from '../../config/config.schema';
import { ClientAuth, type AuthenticatorOptions, type ClientAuthenticator } from '../core/extension-points';
import { namesPluginModule } from '../../plugins/module-loader';
import { builtInAuthenticators, listenerMatches, listenerProblems } from './authenticator.registry';
import { ClientSecretBasicAuthenticator } from './client-secret-basic.authenticator';
import { ClientSecretJwtAuthenticator } from './client-secret-jwt.authenticator';
import { ClientSecretPostAuthenticator } from './client-secret-post.authenticator';
import { NoneAuthenticator } from './none.authenticator';
import { PrivateKeyJwtAuthenticator } from './private-key-jwt.authenticator';

const known = builtInAuthenticators();
// An entry naming a drop-in module is the plugin loader's; both callers tell it apart by this predicate.
const problems = (...listeners: EventListenerSettings[]) => listenerProblems(listeners, known, namesPluginModule);
const KNOWN_IDS = 'client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt_authenticator, private_key_jwt, tls_client_auth, self_signed_tls_client_auth, none';

describe('[[event_listener]] entries and the built-in client authenticators', () => {
  // Discovery lists token_endpoint_auth_methods_supported by method; the README names them so too.
  it.each([ClientSecretBasicAuthenticator, ClientSecretPostAuthenticator, ClientSecretJwtAuthenticator, PrivateKeyJwtAuthenticator, NoneAuthenticator].map((type) => [type.name, type] as const))(
    'accepts the method name of %s as an id',
    (_, type) => {
      // The constructor only keeps its collaborators: none is needed to read `method`.
      const { method } = new (type as unknown as new (...args: unknown[]) => ClientAuthenticator)();
      const meta = Reflect.getMetadata(ClientAuth.KEY, type) as AuthenticatorOptions;
      expect(listenerMatches({ id: method }, meta)).toBe(true);
      expect(problems({ id: method, enable: false })).toEqual({ errors: [], warnings: [] });
    },
  );

  it('accepts id = "private_key_jwt" as WSO2\'s private_key_jwt_authenticator, with its properties checked', () => {
    expect(problems({ id: 'private_key_jwt', order: 50, properties: { RejectBeforeInMinutes: 100 } })).toEqual({ errors: [], warnings: [] });
    expect(problems({ id: 'private_key_jwt', properties: { RejectBeforeInMinutes: 'soon' } }).errors).toEqual([
      'event_listener[0] id = "private_key_jwt": invalid properties: properties.RejectBeforeInMinutes = "soon": must be an integer',
    ]);
  });

  it('refuses two entries that configure one authenticator, by id, alias or WSO2 name', () => {
    const wso2 = 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.jwt.PrivateKeyJWTClientAuthenticator';
    expect(problems({ id: 'private_key_jwt_authenticator' }, { id: 'private_key_jwt', enable: false }, { name: wso2 }).errors).toEqual([
      'event_listener[1] id = "private_key_jwt" configures the same authenticator as event_listener[0] (private_key_jwt_authenticator): make them one entry',
      `event_listener[2] name = "${wso2}" configures the same authenticator as event_listener[0] (private_key_jwt_authenticator): make them one entry`,
    ]);
  });

  it('names the nearest id of an unmatched one, and every known id', () => {
    expect(problems({ id: 'client_secret_bsic' }, { id: 'kerberos' })).toEqual({
      errors: [
        `event_listener[0] id = "client_secret_bsic" matches no client authenticator (did you mean client_secret_basic?) (known ids: ${KNOWN_IDS}; a drop-in authenticator names its module in name)`,
        `event_listener[1] id = "kerberos" matches no client authenticator (known ids: ${KNOWN_IDS}; a drop-in authenticator names its module in name)`,
      ],
      warnings: [],
    });
  });

  it('warns about an unmatched WSO2 name, and leaves module names to the plugin loader', () => {
    expect(problems({ name: 'org.wso2.carbon.identity.SomethingElse' }, { name: './plugins/header-auth.js' })).toEqual({
      errors: [],
      warnings: ['event_listener[0] name = "org.wso2.carbon.identity.SomethingElse" matches no client authenticator: ignored'],
    });
  });
});
