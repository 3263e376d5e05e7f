import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError, configWarnings, loadEnvConfig, toAppConfig } from '../src/config.ts';

const PEPPER = 'a'.repeat(64);

describe('configuration from the environment', () => {
  it('when nothing is set, then demo mode defaults apply (embedded database, k = 5)', () => {
    const env = loadEnvConfig({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PORT).toBe(3000);
    expect(env.MIN_GROUP_SIZE).toBe(5);
    expect(env.TOKEN_PEPPER).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MIN_GROUP_SIZE: '2' }, 'MIN_GROUP_SIZE'],
    [{ DATABASE_URL: 'mysql://x@y/z', TOKEN_PEPPER: PEPPER }, 'DATABASE_URL'],
    [{ TOKEN_PEPPER: 'short' }, 'TOKEN_PEPPER'],
    [{ COOKIE_SECURE: 'maybe' }, 'COOKIE_SECURE'],
  ])('when %o is given, then start-up fails naming %s', (env, variable) => {
    expect(() => loadEnvConfig(env)).toThrow(ConfigError);
    expect(() => loadEnvConfig(env)).toThrow(new RegExp(`^\\s*${variable}:`, 'm'));
  });

  it('when DATABASE_URL is set without TOKEN_PEPPER, then there is no insecure default: start-up fails', () => {
    expect(() => loadEnvConfig({ DATABASE_URL: 'postgres://u:p@db/quorum' })).toThrow(/TOKEN_PEPPER: required/);
  });

  it('when DATABASE_URL and a 32-byte TOKEN_PEPPER are set, then both are used', () => {
    const env = loadEnvConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/quorum', TOKEN_PEPPER: PEPPER });
    expect(env.TOKEN_PEPPER).toHaveLength(32);
  });

  it('when an empty string is given, then it counts as unset', () => {
    expect(loadEnvConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3000);
  });

  it('when any value is given for PORT, then the answer is a valid port or a ConfigError naming PORT', () => {
    fc.assert(
      fc.property(fc.string(), (port) => {
        try {
          const { PORT } = loadEnvConfig({ PORT: port });
          expect(Number.isInteger(PORT) && PORT >= 0 && PORT <= 65535).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toMatch(/PORT/);
        }
      }),
    );
  });

  describe('COOKIE_SECURE', () => {
    const cookieSecure = (env: NodeJS.ProcessEnv) =>
      toAppConfig(loadEnvConfig(env), { databaseUrl: 'postgres://x', tokenPepper: Buffer.alloc(32) }).cookieSecure;

    it.each([
      [{}, true],
      [{ PUBLIC_URL: 'https://survey.acme.example' }, true],
      [{ PUBLIC_URL: 'http://localhost:3000' }, true],
      [{ PUBLIC_URL: 'http://127.0.0.1:3000' }, true],
      [{ PUBLIC_URL: 'http://[::1]:3000' }, true],
      [{ PUBLIC_URL: 'http://192.168.1.20:3000' }, false],
      [{ PUBLIC_URL: 'http://quorum.lan' }, false],
      [{ HOST: '10.0.0.5' }, false],
      [{ PUBLIC_URL: 'http://192.168.1.20:3000', COOKIE_SECURE: 'true' }, true],
      [{ PUBLIC_URL: 'https://survey.acme.example', COOKIE_SECURE: 'false' }, false],
    ])('when the environment is %o, then Secure is %s', (env, secure) => {
      expect(cookieSecure(env)).toBe(secure);
    });

    it('when COOKIE_SECURE=true is given with a plain-http LAN PUBLIC_URL, then start-up warns; otherwise not', () => {
      expect(configWarnings(loadEnvConfig({ PUBLIC_URL: 'http://192.168.1.20:3000', COOKIE_SECURE: 'true' }))).toEqual([
        expect.stringMatching(/COOKIE_SECURE=true .*http:\/\/192\.168\.1\.20:3000/),
      ]);
      expect(configWarnings(loadEnvConfig({ PUBLIC_URL: 'http://192.168.1.20:3000' }))).toEqual([]);
      expect(configWarnings(loadEnvConfig({ PUBLIC_URL: 'https://x.example', COOKIE_SECURE: 'true' }))).toEqual([]);
      expect(configWarnings(loadEnvConfig({ COOKIE_SECURE: 'true' }))).toEqual([]);
    });
  });
});
