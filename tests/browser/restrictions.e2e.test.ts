// The console with a restricted session, in headless Chromium against a server in this process
// (so the test can act as the operator on its database while it runs), with GATEHOUSE_REQUIRE_MFA=on:
// - a new account is taken straight to Account security, told why, enrolls an authenticator app,
//   and only then reaches its organizations;
// - an account whose password an operator reported compromised signs in and lands on "Change your
//   password", told why; the change lifts that restriction (and, with no factor yet, the
//   instance's MFA rule takes it on to Account security).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markPasswordCompromised } from '../../src/app/accounts/markPasswordCompromised.ts';
import { createGatehouse, type Gatehouse } from '../../src/compose.ts';
import { parseConfig } from '../../src/config.ts';
import { totpCode } from '../../src/core/totp.ts';
import { launchChromium, screenshot, watchPageErrors } from './support/browser.ts';
import { buildConsoleIfStale, freePort } from './support/gatehouse.ts';

const STEP_TIMEOUT_MS = 60_000;
let gatehouse: Gatehouse;
let browser: Browser;
let baseUrl: string;
let pageErrors: string[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-restrictions-'));

beforeAll(async () => {
  // Before the server is built: it serves web/dist only if it exists when it starts.
  buildConsoleIfStale();
  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  gatehouse = await createGatehouse(
    parseConfig({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: 'memory://', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PUBLIC_URL: baseUrl, GATEHOUSE_REQUIRE_MFA: 'on' }),
    { logger: pino({ level: 'silent' }), startJobs: false },
  );
  await gatehouse.app.listen({ port, host: '127.0.0.1' });
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await gatehouse?.close();
  rmSync(dataDir, { recursive: true, force: true });
  expect(pageErrors).toEqual([]);
});

async function newPage(label: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  pageErrors = [...pageErrors, ...watchPageErrors(page, label)];
  return page;
}

async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

async function enrollAuthenticatorApp(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secret = ((await page.getByLabel('Secret key').textContent()) ?? '').replace(/\s+/g, '');
  await page.getByLabel('Code from the app').fill(totpCode({ secret, now: gatehouse.deps.clock.now() }));
  await page.getByRole('button', { name: 'Verify and enable' }).click();
  await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByText('Status: On').waitFor();
}

describe('console, GATEHOUSE_REQUIRE_MFA=on', () => {
  it(
    'a new account is sent to Account security, told why, and reaches its organizations once it has a factor',
    async () => {
      const page = await newPage('new account');
      await page.goto('/signup');
      await heading(page, 'Create your account');
      await page.getByLabel('Email', { exact: true }).fill('nora@example.test');
      await page.getByLabel('Password', { exact: true }).fill('amber-canyon-violin-58');
      await page.getByRole('button', { name: 'Create account' }).click();

      await heading(page, 'Account security');
      await page.getByText(/server requires two-factor authentication for every account/).waitFor();
      // Nothing else to go to: no Organizations link, no tokens.
      expect(await page.getByRole('link', { name: 'Organizations' }).count()).toBe(0);
      expect(await page.getByRole('heading', { name: /access tokens/i }).count()).toBe(0);
      await screenshot(page, 'instance-mfa-enrollment');
      await page.goto('/orgs');
      await heading(page, 'Account security');

      await enrollAuthenticatorApp(page);
      await page.getByRole('link', { name: 'Organizations' }).click();
      await heading(page, 'Organizations');
    },
    STEP_TIMEOUT_MS,
  );
});

describe('console, a password reported compromised', () => {
  it(
    'signing in lands on "Change your password" with the reason; the change lifts it',
    async () => {
      const email = 'pat@example.test';
      const password = 'copper-lagoon-thistle-31';
      const created = await fetch(`${baseUrl}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      expect(created.status).toBe(201);
      expect(await markPasswordCompromised(gatehouse.deps, email)).toMatchObject({ outcome: 'marked' });

      const page = await newPage('compromised');
      await page.goto('/signin');
      await heading(page, 'Sign in');
      await page.getByLabel('Email', { exact: true }).fill(email);
      await page.getByLabel('Password', { exact: true }).fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();

      await heading(page, 'Change your password');
      await page.getByText(/administrator reported your password as compromised/).waitFor();
      await screenshot(page, 'password-change-required');
      await page.goto('/account/security');
      await heading(page, 'Change your password');

      await page.getByLabel('Current password').fill(password);
      await page.getByLabel('New password').fill(password);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText(/Choose another password/).waitFor();

      await page.getByLabel('New password').fill('fresh-orchard-kettle-94');
      await page.getByRole('button', { name: 'Change password' }).click();
      // The password is no longer held against the session; the instance's MFA rule is next.
      await heading(page, 'Account security');
      await page.getByText(/server requires two-factor authentication for every account/).waitFor();
    },
    STEP_TIMEOUT_MS,
  );
});
