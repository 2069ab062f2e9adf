// The web console end to end, in headless Chromium against a real `gatehouse serve`, with a real
// SMTP server for the mail: sign up → authenticator app → organization → invitation by email →
// enforce MFA in "remove" mode through the typed dialog → the removed member rejoins with a
// passkey → signs in with it → the audit log shows member.pending and member.reinstate.
//
// The steps share one story, so they run in order and a step after a failed one fails at once
// (naming the step that broke) instead of piling up confusing errors.
import { readFileSync } from 'node:fs';
import { generate } from 'otplib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addVirtualAuthenticator, launchChromium, screenshot, watchPageErrors } from './support/browser.ts';
import { buildConsoleIfStale, startGatehouse } from './support/gatehouse.ts';
import type { RunningServer } from './support/gatehouse.ts';
import { linkIn, Mailbox } from './support/mailbox.ts';

const OWNER = { name: 'Olive Owner', email: 'olive@example.test', password: 'tidy-harbor-lantern-42' };
const MEMBER = { name: 'Max Member', email: 'max@example.test', password: 'quiet-meadow-pebble-77' };
const ORG = { name: 'Acme Corp', slug: 'acme' };
const STEP_TIMEOUT_MS = 60_000;

let mailbox: Mailbox;
let server: RunningServer;
let browser: Browser;
let owner: Page;
let member: Page;
let ownerPageErrors: string[] = [];
let memberPageErrors: string[] = [];
let brokenAt: string | undefined;

function step(name: string, body: () => Promise<void>): void {
  it(
    name,
    async () => {
      if (brokenAt) throw new Error(`not run: the earlier step "${brokenAt}" failed`);
      try {
        await body();
      } catch (err) {
        brokenAt = name;
        const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
        await Promise.allSettled([screenshot(owner, `failed-${slug}-owner`), screenshot(member, `failed-${slug}-member`)]);
        const logs = server?.logs().slice(-3000) ?? '';
        throw new Error(`${(err as Error).message}\n--- last server output ---\n${logs}`, { cause: err });
      }
    },
    STEP_TIMEOUT_MS,
  );
}

/** The server's clock (the test clock may run ahead of the wall clock), in Unix seconds. */
async function serverEpochSeconds(): Promise<number> {
  const res = await fetch(`${server.url}/v1/test/clock`);
  const body = (await res.json()) as { now: string };
  return Math.floor(Date.parse(body.now) / 1000);
}

/** What the console's own session looks like, asked from inside the page (cookie-authenticated). */
async function sessionOf(page: Page): Promise<{ aal: number; mfa_pending: boolean }> {
  return page.evaluate(async () => {
    const res = await fetch('/v1/sessions/current', { headers: { 'X-Gatehouse-Console': '1' }, credentials: 'same-origin' });
    const body = (await res.json()) as { session: { aal: number; mfa_pending: boolean } };
    return body.session;
  });
}

/** The console keeps the session token out of reach of scripts: only the CSRF cookie is readable. */
async function expectNoTokenVisibleToScripts(page: Page): Promise<void> {
  const seen = await page.evaluate(() => ({
    cookies: document.cookie,
    storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
  }));
  expect(seen.cookies).not.toMatch(/gatehouse_session/);
  expect(seen.storage).not.toMatch(/gses_|token/i);
}

async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

async function signUp(page: Page, who: typeof OWNER): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(who.name);
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

beforeAll(async () => {
  buildConsoleIfStale();
  mailbox = new Mailbox();
  const smtpPort = await mailbox.start();
  server = await startGatehouse({ smtpPort });
  browser = await launchChromium();
  const ownerContext = await browser.newContext({ baseURL: server.url, acceptDownloads: true, viewport: { width: 1100, height: 800 } });
  const memberContext = await browser.newContext({ baseURL: server.url, viewport: { width: 1100, height: 800 } });
  owner = await ownerContext.newPage();
  member = await memberContext.newPage();
  const ownerErrors = watchPageErrors(owner, 'owner');
  const memberErrors = watchPageErrors(member, 'member');
  ownerPageErrors = ownerErrors;
  memberPageErrors = memberErrors;
  await addVirtualAuthenticator(member);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await mailbox?.stop();
});

/** The server must serve web/dist: index.html for console routes, and the assets it names, unauthenticated. */
async function expectConsoleServed(): Promise<void> {
  const page = await fetch(`${server.url}/signup`, { headers: { Accept: 'text/html' } });
  expect(page.status, 'GET /signup (Accept: text/html) should answer index.html').toBe(200);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);
  expect(assets.length, 'index.html should name its /assets/ files').toBeGreaterThan(0);
  for (const asset of assets) {
    const res = await fetch(`${server.url}${asset}`);
    expect(res.status, `GET ${asset} should answer 200 without a session (static files need no authentication)`).toBe(200);
  }
}

describe('web console', () => {
  step('the owner signs up', async () => {
    await expectConsoleServed();
    await owner.goto('/signup');
    await heading(owner, 'Create your account');
    await screenshot(owner, 'signup');
    await signUp(owner, OWNER);
    await heading(owner, 'Organizations');
    await expectNoTokenVisibleToScripts(owner);
  });

  step('the owner enrolls an authenticator app from the QR code page', async () => {
    await owner.goto('/account/security');
    await heading(owner, 'Account security');
    await owner.getByText('Status: Off').waitFor();
    await owner.getByRole('button', { name: 'Set up authenticator app' }).click();

    const qr = owner.getByRole('img', { name: /QR code/ });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const secret = ((await owner.getByLabel('Secret key').textContent()) ?? '').replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(owner, 'account-security');

    const code = await generate({ secret, epoch: await serverEpochSeconds() });
    await owner.getByLabel('Code from the app').fill(code);
    await owner.getByRole('button', { name: 'Verify and enable' }).click();

    const codes = owner.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await owner.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    expect(await codes.count()).toBe(10);
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByRole('button', { name: 'Download', exact: true }).click()]);
    const saved = readFileSync(await download.path(), 'utf8').trim().split('\n');
    expect(saved).toHaveLength(10);
    await screenshot(owner, 'recovery-codes');
    await owner.getByRole('button', { name: 'I have saved them' }).click();
    await owner.getByText('Status: On').waitFor();
    expect((await sessionOf(owner)).aal).toBe(2);
    await expectNoTokenVisibleToScripts(owner);
  });

  step('the owner creates an organization', async () => {
    await owner.goto('/orgs');
    await heading(owner, 'Organizations');
    await owner.getByLabel('Organization name').fill(ORG.name);
    expect(await owner.getByLabel('URL name').inputValue()).toBe('acme-corp');
    await owner.getByLabel('URL name').fill(ORG.slug);
    await screenshot(owner, 'orgs');
    await owner.getByRole('button', { name: 'Create organization' }).click();
    await heading(owner, 'Members');
    expect(new URL(owner.url()).pathname).toBe(`/orgs/${ORG.slug}/members`);
  });

  let invitationLink = '';
  step('the owner invites a member, who gets the invitation by email', async () => {
    await owner.getByLabel('Email address to invite').fill(MEMBER.email);
    await owner.getByLabel('Role', { exact: true }).selectOption('member');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await owner.getByText(`Invitation sent to ${MEMBER.email}.`).waitFor();
    const mail = await mailbox.waitFor((m) => m.to.includes(MEMBER.email) && m.text.includes('/invitations/'), `inviting ${MEMBER.email}`);
    invitationLink = linkIn(mail, `${server.url}/invitations/`);
  });

  step('the invitee follows the link, signs up and accepts', async () => {
    await member.goto(invitationLink);
    await heading(member, "You're invited");
    await screenshot(member, 'invitation');
    await member.getByRole('link', { name: 'Create an account' }).click();
    await heading(member, 'Create your account');
    await signUp(member, MEMBER);
    await heading(member, "You're invited");
    await member.getByRole('button', { name: 'Accept invitation' }).click();
    await heading(member, `Welcome to ${ORG.name}`);
    await screenshot(member, 'invitation-accepted');
  });

  step('the owner sees who lacks MFA, filters and exports the members as CSV', async () => {
    await owner.goto(`/orgs/${ORG.slug}/members`);
    const row = owner.getByRole('row', { name: new RegExp(MEMBER.email.replace('.', '\\.')) });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/Active.*Off/);
    await owner.getByRole('button', { name: 'MFA off' }).click();
    await owner.getByText('Members (MFA off): 1').waitFor();
    expect(await owner.getByRole('row', { name: new RegExp(OWNER.email.replace('.', '\\.')) }).count()).toBe(0);
    await screenshot(owner, 'members');
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('email,name,role,state,mfa,factor_types,access');
    expect(csv).toContain(`${MEMBER.email},${MEMBER.name},member,active,disabled`);
    await owner.getByRole('button', { name: 'All', exact: true }).click();
  });

  step('the owner sends the member a reminder from the security page', async () => {
    await owner.goto(`/orgs/${ORG.slug}/security`);
    await heading(owner, 'Security');
    await owner.getByText('Not enforced').waitFor();
    await owner.getByRole('button', { name: `Send reminder to ${MEMBER.email}` }).click();
    await owner.getByText(`Reminder sent to ${MEMBER.email}.`).waitFor();
    await mailbox.waitFor((m) => m.to.includes(MEMBER.email) && /two-factor/i.test(m.subject), 'reminding the member');
    await screenshot(owner, 'security');
  });

  step('the owner enforces MFA in "remove" mode through the typed ENFORCE dialog', async () => {
    await owner.getByRole('button', { name: 'Enforce MFA' }).click();
    const dialog = owner.getByRole('dialog', { name: 'Enforce MFA' });
    await dialog.waitFor();
    // Keyboard: the first field has focus and Escape closes the dialog.
    expect(await dialog.getByLabel('Refuse until everyone has it').evaluate((el) => el === document.activeElement)).toBe(true);
    await owner.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await owner.getByRole('button', { name: 'Enforce MFA' }).click();
    await dialog.waitFor();

    const submit = dialog.getByRole('button', { name: 'Enforce MFA' });
    expect(await submit.isDisabled()).toBe(true);
    await dialog.getByLabel('Remove members without it').check();
    await dialog.getByText(/will be moved to pending immediately/).waitFor();
    expect(await dialog.getByRole('list', { name: 'Members affected' }).textContent()).toContain(MEMBER.email);
    await dialog.getByLabel('Type ENFORCE to confirm').fill('enforce');
    expect(await submit.isDisabled()).toBe(true);
    await dialog.getByLabel('Type ENFORCE to confirm').fill('ENFORCE');
    expect(await submit.isEnabled()).toBe(true);
    await owner.setViewportSize({ width: 1100, height: 1300 }); // the whole dialog in the picture
    await screenshot(owner, 'enforce-dialog');
    await owner.setViewportSize({ width: 1100, height: 800 });
    await submit.click();

    await dialog.waitFor({ state: 'hidden' });
    await owner.getByText('Enforced', { exact: true }).waitFor();
    expect(await owner.getByRole('list', { name: 'Members moved to pending' }).textContent()).toContain(MEMBER.email);
    await screenshot(owner, 'security-enforced');
  });

  step('the removed member follows the rejoin email to the rejoin page', async () => {
    const mail = await mailbox.waitFor(
      (m) => m.to.includes(MEMBER.email) && m.subject === 'Mandatory: Enable Two-Factor Authentication',
      'telling the member they were removed',
    );
    await member.goto(linkIn(mail, `${server.url}/orgs/${ORG.slug}/rejoin`));
    await heading(member, `Rejoin ${ORG.name}`);
    await member.getByText(/You were removed from/).waitFor();
    expect(await member.getByRole('button', { name: `Rejoin ${ORG.name}` }).isDisabled()).toBe(true);
    await screenshot(member, 'rejoin');
  });

  step('the member enrolls a passkey and is reinstated', async () => {
    await member.getByRole('link', { name: 'Set up two-factor authentication' }).click();
    await heading(member, 'Account security');
    await member.getByLabel('Passkey name').fill('Laptop');
    await member.getByRole('button', { name: 'Add a passkey' }).click();
    await member.getByText('Passkey added.').waitFor();
    await member.getByRole('row', { name: /Laptop.*Passkey/ }).waitFor();
    if (await member.getByRole('button', { name: 'I have saved them' }).isVisible()) {
      await member.getByRole('button', { name: 'I have saved them' }).click();
    }
    await screenshot(member, 'account-security-passkey');

    await member.getByRole('link', { name: 'Continue where you left off' }).click();
    await heading(member, `Rejoin ${ORG.name}`);
    await member.getByText('Done: two-factor authentication is on').waitFor();
    await member.getByRole('button', { name: `Rejoin ${ORG.name}` }).click();
    await heading(member, 'Welcome back');
    await member.getByText(/previous role: Member/).waitFor();
    await screenshot(member, 'rejoined');
  });

  step('the member signs in again with the passkey', async () => {
    await member.getByRole('button', { name: 'Sign out' }).click();
    await heading(member, 'Sign in');
    await member.getByLabel('Email', { exact: true }).fill(MEMBER.email);
    await member.getByLabel('Password', { exact: true }).fill(MEMBER.password);
    await screenshot(member, 'signin');
    await member.getByRole('button', { name: 'Sign in', exact: true }).click();
    await heading(member, 'Two-factor authentication');
    await member.getByLabel('Passkey').check();
    await screenshot(member, 'mfa');
    await member.getByRole('button', { name: 'Use a passkey' }).click();
    await heading(member, 'Organizations');
    await member.getByRole('link', { name: ORG.name }).waitFor();
    await member.getByText('Access: yes').waitFor();
    const session = await sessionOf(member);
    expect(session).toMatchObject({ aal: 2, mfa_pending: false });
    await expectNoTokenVisibleToScripts(member);
  });

  step('the member is told which organizations they would leave before removing their last factor', async () => {
    await member.goto('/account/security');
    await member.getByRole('button', { name: 'Remove Laptop' }).click();
    const dialog = member.getByRole('dialog', { name: 'Remove this factor?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Remove factor' }).click();
    const affected = dialog.getByRole('list', { name: 'Organizations you would leave' });
    await affected.waitFor();
    expect(await affected.textContent()).toContain(ORG.name);
    await dialog.getByRole('button', { name: 'Remove and leave these organizations' }).waitFor();
    await screenshot(member, 'remove-factor-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await member.getByRole('row', { name: /Laptop.*Passkey/ }).waitFor();
  });

  step('the audit log shows member.pending, member.reinstate and the enforcement change', async () => {
    await owner.goto(`/orgs/${ORG.slug}/audit-log`);
    await heading(owner, 'Audit log');
    const events = owner.getByRole('table');
    for (const action of ['member.pending', 'member.reinstate']) {
      await owner.getByLabel('Action').selectOption(action);
      await events.getByRole('cell', { name: action, exact: true }).first().waitFor();
      expect(await events.getByRole('row').count()).toBeGreaterThanOrEqual(2);
    }
    await owner.getByLabel('Action').selectOption('org.edit');
    await events.getByText(/mfa_required: false → true/).waitFor();
    await owner.getByLabel('Action').selectOption('');
    await events.getByRole('cell', { name: 'member.pending', exact: true }).first().waitFor();
    await screenshot(owner, 'audit-log');
  });

  step('the owner stops enforcing MFA through the typed STOP dialog, and is emailed', async () => {
    await owner.goto(`/orgs/${ORG.slug}/security`);
    await owner.getByText('Enforced', { exact: true }).waitFor();
    await owner.getByRole('button', { name: 'Stop enforcing MFA' }).click();
    const dialog = owner.getByRole('dialog', { name: 'Stop enforcing MFA' });
    await dialog.waitFor();
    const submit = dialog.getByRole('button', { name: 'Stop enforcing MFA' });
    expect(await submit.isDisabled()).toBe(true);
    await dialog.getByLabel('Type STOP to confirm').fill('STOP');
    await screenshot(owner, 'stop-dialog');
    await submit.click();
    await owner.getByText('Not enforced').waitFor();
    await mailbox.waitFor((m) => m.to.includes(OWNER.email) && /no longer (enforced|required)/i.test(m.subject), 'telling the owner');
  });

  step('the owner changes the member\'s role', async () => {
    await owner.goto(`/orgs/${ORG.slug}/members`);
    await owner.getByLabel(`Role for ${MEMBER.email}`).selectOption('manager');
    await owner.getByText(`${MEMBER.email} is now Manager.`).waitFor();
    expect(await owner.getByLabel(`Role for ${MEMBER.email}`).inputValue()).toBe('manager');
  });

  step('the owner creates a personal access token, sees it once, and revokes it', async () => {
    await owner.goto('/account/security');
    await owner.getByLabel('Token name').fill('deploy script');
    await owner.getByRole('button', { name: 'Create token' }).click();
    const token = owner.getByLabel('New token');
    await token.waitFor();
    expect((await token.textContent())?.length ?? 0).toBeGreaterThan(20);
    await owner.getByRole('button', { name: 'Done' }).click();
    await owner.getByRole('button', { name: 'Revoke deploy script' }).click();
    await owner.getByText('Revoked deploy script.').waitFor();
    await owner.getByRole('button', { name: 'Revoke deploy script' }).waitFor({ state: 'detached' });
  });

  step('no page raised an error or a Content-Security-Policy violation', async () => {
    expect([...ownerPageErrors, ...memberPageErrors]).toEqual([]);
  });
});
