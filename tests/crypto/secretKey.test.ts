import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSecretKey } from '../../src/crypto/secretKey.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gatehouse-secret-key-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('loadSecretKey from the data directory', () => {
  it('creates a 32-byte key in <dataDir>/secret.key with mode 0600 (and the dir 0700)', () => {
    const dataDir = join(root, 'nested', 'data');
    const key = loadSecretKey({ dataDir });
    expect(key).toBeInstanceOf(Uint8Array);
    expect(key).toHaveLength(32);
    const file = join(dataDir, 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(Buffer.from(key))).toBe(true);
    // No temporary file is left behind.
    expect(readdirSync(dataDir)).toEqual(['secret.key']);
  });

  it('reuses the existing key on the next start', () => {
    const first = loadSecretKey({ dataDir: root });
    const second = loadSecretKey({ dataDir: root });
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });

  it('reads a key file written by someone else', () => {
    const bytes = randomBytes(32);
    writeFileSync(join(root, 'secret.key'), `${bytes.toString('base64')}\n`, { mode: 0o600 });
    expect(Buffer.from(loadSecretKey({ dataDir: root })).equals(bytes)).toBe(true);
  });

  it('throws, and does not overwrite, when the key file is corrupt', () => {
    const file = join(root, 'secret.key');
    writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(() => loadSecretKey({ dataDir: root })).toThrow(Error);
    expect(readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});

describe('loadSecretKey with a configured key', () => {
  const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => 255 - i * 3));

  it('accepts base64 (padded or not) and base64url of 32 bytes, and writes no file', () => {
    for (const configured of [
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
      ` ${bytes.toString('base64')}\n`,
    ]) {
      expect(Buffer.from(loadSecretKey({ dataDir: root, configured })).equals(bytes)).toBe(true);
    }
    expect(readdirSync(root)).toEqual([]);
  });

  it('rejects anything that is not exactly 32 bytes of base64', () => {
    const base64 = bytes.toString('base64');
    for (const configured of [
      '',
      'secret',
      randomBytes(16).toString('base64'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(64).toString('hex'),
      `${base64.slice(0, 10)}!${base64.slice(11)}`,
      `${bytes.toString('base64url').slice(0, 40)}+/${bytes.toString('base64url').slice(42)}`.replace(/[A-Za-z]/, '-'),
    ]) {
      expect(() => loadSecretKey({ dataDir: root, configured }), configured).toThrow(Error);
    }
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('loadSecretKey under concurrent first starts', () => {
  it('gives every process the same key', async () => {
    const { spawn } = await import('node:child_process');
    const moduleUrl = new URL('../../src/crypto/secretKey.ts', import.meta.url).href;
    const script = `
      const { loadSecretKey } = await import(${JSON.stringify(moduleUrl)});
      process.stdout.write(Buffer.from(loadSecretKey({ dataDir: process.argv[1] })).toString('base64'));
    `;
    const dataDir = join(root, 'shared');
    const run = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
      });
    const keys = await Promise.all(Array.from({ length: 6 }, run));
    expect(keys[0]).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(new Set(keys).size).toBe(1);
    expect(readFileSync(join(dataDir, 'secret.key'), 'utf8').trim()).toBe(keys[0]);
    expect(readdirSync(dataDir)).toEqual(['secret.key']);
  }, 20_000);
});
