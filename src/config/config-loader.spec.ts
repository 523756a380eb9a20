import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig, ConfigError, inspectConfig, loadConfig, parseConfigText } from './config-loader';
import { GrantryConfig } from './config.schema';
import { TENANT_SECTIONS } from './tenant-settings';

describe('config loading', () => {
  it('accepts WSO2 string spellings of numbers and booleans', () => {
    const config = buildConfig(
      parseConfigText(`
[[event_listener]]
id = "private_key_jwt_authenticator"
order = "899"
enable = "true"
[event_listener.properties]
PreventTokenReuse = false
RejectBeforeInMinutes = "100"
[[cache.manager]]
name = "PrivateKeyJWT"
timeout = "10"
capacity = "5000"
`),
      { env: {} },
    );
    expect(config.event_listener[0]).toMatchObject({ order: 899, enable: true, properties: { PreventTokenReuse: false, RejectBeforeInMinutes: '100' } });
    expect(config.cache.manager[0]).toMatchObject({ name: 'PrivateKeyJWT', timeout: 10, capacity: 5000 });
  });

  it('expands $env{NAME}', () => {
    const config = buildConfig(parseConfigText('[database]\nurl = "$env{DB}"\n'), { env: { DB: 'sqlite::memory:' } });
    expect(config.database.url).toBe('sqlite::memory:');
  });

  it('lets DATABASE_URL override [database] url', () => {
    const config = buildConfig(parseConfigText('[database]\nurl = "sqlite:a.db"\n'), { env: { DATABASE_URL: 'postgres://root@127.0.0.1/test' } });
    expect(config.database.url).toBe('postgres://root@127.0.0.1/test');
  });

  it('derives base_url from the port and strips a trailing slash', () => {
    expect(buildConfig({ server: { port: 9000 } }, { env: {} }).server.base_url).toBe('http://localhost:9000');
    expect(buildConfig({ server: { base_url: 'https://id.example.com/' } }, { env: {} }).server.base_url).toBe('https://id.example.com');
  });

  it('reports every bad key at once', () => {
    expect(() => buildConfig({ server: { port: 'x', colour: 1 }, oauth: { token: { format: 'xml' } } }, { env: {} })).toThrow(ConfigError);
    try {
      buildConfig({ server: { port: 'x', colour: 1 }, oauth: { token: { format: 'xml' } } }, { env: {} });
    } catch (error) {
      expect((error as Error).message.split('\n').slice(1).sort()).toEqual([
        '  - oauth.token.format = "xml": must be one of the following values: jwt, opaque',
        '  - server.colour: unknown key',
        '  - server.port = "x": must be an integer',
      ]);
    }
  });
});

describe('keys that name JavaScript object machinery', () => {
  it('are reported beside every other problem of the file, and never applied', () => {
    const { config, problems } = inspectConfig(parseConfigText('[server]\n__proto__ = 1\nprot = 2\n[oauth.token]\nformat = "xml"\n'), { env: {} });
    expect(problems.sort()).toEqual(['oauth.token.format = "xml": must be one of the following values: jwt, opaque', 'server.__proto__: unknown key', 'server.prot: unknown key (did you mean port?)']);
    expect(Object.getPrototypeOf(config.server)).toBe(Object.getPrototypeOf(new GrantryConfig().server));
  });

  it.each(['[server]\n__proto__ = 1\n', '[__proto__]\nx = 1\n', 'constructor = 2\n', '[oauth.grant_type.prototype]\nenable = true\n'])(
    'reports %j as an unknown key instead of applying or ignoring it',
    (text) => {
      expect(() => buildConfig(parseConfigText(text), { env: {} })).toThrow(/: unknown key/);
    },
  );
});

describe('deployment.toml.example', () => {
  it('is a valid deployment file as shipped', () => {
    const config = loadConfig(join(__dirname, '..', '..', 'deployment.toml.example'), {});
    expect(config.oauth.token.signing_alg).toBe('RS256');
    expect(config.oauth.outbound.allow_http).toBe(false);
  });

  it('accepts the seed\'s private_key_jwt block when uncommented', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'deployment.toml.example'), 'utf8');
    const block = text.slice(text.indexOf('# [[event_listener]]'), text.indexOf('# TimestampSkewInSeconds'));
    const uncommented = block.split('\n').map((line) => line.replace(/^# ?/, '')).join('\n');
    const config = buildConfig(parseConfigText(uncommented), { env: {} });
    expect(config.event_listener[0]).toMatchObject({ id: 'private_key_jwt_authenticator', order: 899 });
  });

  it('documents a [server.tls] block that is valid uncommented', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'deployment.toml.example'), 'utf8');
    const block = text.slice(text.indexOf('# [server.tls]'), text.indexOf('[database]'));
    const uncommented = block.split('\n').map((line) => line.replace(/^# ?/, '')).join('\n');
    const config = buildConfig(parseConfigText(uncommented), { env: {} });
    expect(config.server.tls).toMatchObject({ cert: 'config/tls.crt', key: 'config/tls.key', client_ca: 'config/client-ca.pem', client_certificate_header: '' });
    // With a TLS listener, the default issuer is https.
    expect(config.server.base_url).toBe('https://localhost:8080');
  });

  it('documents every key a tenant may override, in a [tenant."<domain>"] block that is valid uncommented', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'deployment.toml.example'), 'utf8');
    const block = text.slice(text.indexOf('# [tenant."wso2.com"]'), text.indexOf('# The security profile'));
    const uncommented = block.split('\n').map((line) => line.replace(/^# ?/, '')).join('\n');
    const config = buildConfig(parseConfigText(uncommented), { env: {} });
    const tenant = config.tenant['wso2.com'];
    for (const { path, keys } of TENANT_SECTIONS) {
      const table = path.reduce<Record<string, unknown>>((node, key) => node[key] as Record<string, unknown>, tenant as Record<string, unknown>);
      expect(Object.keys(table).sort()).toEqual([...keys].sort());
    }
    expect(Object.keys(tenant.event_listener![0]).sort()).toEqual(['enable', 'id', 'order', 'properties']);
    expect(Object.keys(tenant.login!.authenticator![0]).sort()).toEqual(['enable', 'id', 'order']);
    expect(tenant.oauth!.grant_type).toEqual({ password: { enable: true }, jwt_bearer: { order: 50 } });
  });
});

describe('[server] trusted_proxies (issue 28, issue 30)', () => {
  it('refuses the boolean trust_proxy it replaces, saying what to use', () => {
    for (const value of [true, false]) {
      expect(() => buildConfig({ server: { trust_proxy: value } }, { env: {} })).toThrow(`server.trust_proxy = ${value}: use [server] trusted_proxies`);
    }
  });

  it('takes IPv4 and IPv6 addresses and CIDR blocks, and names every other entry', () => {
    expect(buildConfig({ server: { trusted_proxies: ['10.0.0.0/8', '192.0.2.1', '::1', 'fd00::/8'] } }, { env: {} }).server.trusted_proxies).toHaveLength(4);
    let problems: string[] = [];
    try {
      buildConfig({ server: { trusted_proxies: ['proxy.example', '10.0.0.0/33', '::1/129', '10.0.0.1'] } }, { env: {} });
    } catch (error) {
      problems = (error as ConfigError).problems ?? [];
    }
    expect(problems).toEqual([
      'server.trusted_proxies[0] = "proxy.example": not an IP address or CIDR block',
      'server.trusted_proxies[1] = "10.0.0.0/33": prefix length must be 0-32',
      'server.trusted_proxies[2] = "::1/129": prefix length must be 0-128',
    ]);
  });

  it('wants both cert and key of [server.tls], or neither (a proxy terminates TLS)', () => {
    expect(() => buildConfig({ server: { tls: { cert: 'tls.crt' } } }, { env: {} })).toThrow(/server\.tls\.key/);
    expect(buildConfig({ server: { tls: { client_certificate_header: 'X-SSL-Client-Cert' } } }, { env: {} }).server.base_url).toBe('http://localhost:8080');
  });
});
