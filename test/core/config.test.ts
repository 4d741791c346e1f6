import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has defaults for a first start: port 3000, PGlite in ./data', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      dataDir: './data',
      databaseUrl: undefined,
      loadReferenceStudies: true,
    });
  });

  it('names the variable and the reason for a bad value', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(
      /DATABASE_URL must be a postgres:\/\/ URL/,
    );
    expect(() => loadConfig({ TRIALDESK_ADMIN_PASSWORD: 'short' })).toThrow(
      /TRIALDESK_ADMIN_PASSWORD must be at least 12 characters/,
    );
  });

  it('reads booleans and numbers', () => {
    expect(loadConfig({ TRIALDESK_LOAD_REFERENCE: 'false', PORT: '8080' })).toMatchObject({
      loadReferenceStudies: false,
      port: 8080,
    });
  });
});
