import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitations } from '../src/db/schema';
import { checkPage, launchBrowser, personContext, phone } from './browser';
import { createActiveCustomer, partneredPair } from './fixtures';
import { createTestPartner, mailTo, startTestEngine, uniqueEmail, waitFor, type TestEngine, type TestPartner } from './harness';

/**
 * The people at the links, in a real browser: a reseller and a customer's contact open the
 * emailed link from the dev outbox, answer in Spanish or English with JavaScript off, and read
 * what happens next. Every page, in both languages, passes axe-core and fits a 390 px phone.
 */

let engine: TestEngine;
let browser: Browser;
let inspector: Page;
beforeAll(async () => {
  [engine, browser] = await Promise.all([startTestEngine({ devMode: true }), launchBrowser()]);
  inspector = await (await browser.newContext({ viewport: phone })).newPage();
});
afterAll(async () => {
  await browser?.close();
  await engine?.stop();
});

async function invite(provider: TestPartner, resellerEmail: string) {
  const reply = await engine.request('POST', '/v1/invitations', { key: provider.apiKey, body: { resellerEmail, message: 'Hola, trabajemos juntos en 2027.' } });
  expect(reply.status, reply.text).toBe(202);
  await waitFor(async () => (await mailTo(engine, resellerEmail)).length > 0, { what: 'the invitation mail' });
  return reply.body as { id: string };
}

/** As a person trying the demo: the outbox page, then a click on the link in the mail to `recipient`. */
async function openEmailedLink(person: BrowserContext, recipient: string, name?: string): Promise<Page> {
  const page = await person.newPage();
  await page.goto(`${engine.url}/dev/outbox`);
  if (name) await checkPage(inspector, page, name);
  await page.locator('article', { hasText: recipient }).first().getByRole('link', { name: 'Open the link' }).click();
  await page.waitForLoadState();
  return page;
}

const htmlLang = (page: Page) => page.locator('html').getAttribute('lang');

describe('a reseller answers an invitation in the browser', () => {
  let context: BrowserContext;
  beforeAll(async () => {
    context = await personContext(browser, 'es-ES');
  });
  afterAll(async () => {
    await context.close();
  });

  it('opens the emailed link from the outbox, reads it in Spanish, accepts with the keyboard and sees what happens next', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider', name: 'Contoso Distribución' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller', name: 'Fabrikam IT Services' });
    await invite(provider, reseller.email);

    const page = await openEmailedLink(context, reseller.email, 'outbox');
    expect(await htmlLang(page)).toBe('es');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Contoso Distribución le invita a asociarse');
    expect(await page.locator('blockquote').textContent()).toBe('Hola, trabajemos juntos en 2027.');
    expect(await page.locator('.meta').first().textContent()).toMatch(/Caduca el \d{1,2} de \w+ de \d{4}\D+\d{2}:\d{2} CES?T\./);
    await checkPage(inspector, page, 'invitation-es');

    // Keyboard only: the label names the field, focus is visible, Enter submits the plain form.
    const field = page.getByLabel('Su ID de partner');
    await field.focus();
    const outline = await field.evaluate((element) => {
      const style = element.ownerDocument.defaultView!.getComputedStyle(element);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(outline).toBe('solid 3px');
    await field.fill(reseller.partnerId);
    await field.press('Enter');
    await page.waitForLoadState();

    expect(await htmlLang(page)).toBe('es');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ya es partner de Contoso Distribución');
    expect(await page.locator('.next').textContent()).toContain('ya puede crear clientes en su nombre');
    await checkPage(inspector, page, 'invitation-accepted-es');
    const partnerships = await engine.request('GET', '/v1/partnerships', { key: reseller.apiKey });
    expect(partnerships.body.items.map((p: { provider: { id: string } }) => p.provider.id)).toContain(provider.id);

    // The link now says it was answered, in either language.
    await page.goto(page.url().replace(/\/accept\?.*$/, ''));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ya respondió a esta invitación');
    await checkPage(inspector, page, 'invitation-answered-es');
    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You already answered this invitation');
    await checkPage(inspector, page, 'invitation-answered-en');
  });

  it('switches the page to English with ?lang=, declines with a reason and reads the confirmation in English', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider', name: 'Contoso Distribución' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { id } = await invite(provider, reseller.email);

    const page = await openEmailedLink(context, reseller.email);
    await page.getByRole('link', { name: 'English' }).click();
    expect(page.url()).toMatch(/\?lang=en$/);
    expect(await htmlLang(page)).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Contoso Distribución invites you to partner with them');
    await checkPage(inspector, page, 'invitation-en');

    await page.getByLabel('Reason (optional)').fill('We already work with another provider.');
    await page.getByRole('button', { name: 'Decline the invitation' }).click();
    await page.waitForLoadState();
    expect(await htmlLang(page)).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Invitation declined');
    expect(await page.locator('.next').textContent()).toContain('What happens next');
    await checkPage(inspector, page, 'invitation-declined-en');
    await page.getByRole('link', { name: 'Español' }).click();
    await checkPage(inspector, page, 'invitation-answered-declined-es');

    const invitation = await engine.request('GET', `/v1/invitations/${id}`, { key: provider.apiKey });
    expect(invitation.body.status).toBe('declined');
  });

  it('explains a refused answer in the page’s language, with a way back, then accepts on the second try', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const stranger = await createTestPartner(engine.request, { kind: 'reseller' });
    await invite(provider, reseller.email);

    for (const language of ['es', 'en'] as const) {
      const page = await openEmailedLink(context, reseller.email);
      if (language === 'en') await page.getByRole('link', { name: 'English' }).click();
      await page.getByLabel(language === 'es' ? 'Su ID de partner' : 'Your partner ID').fill(stranger.partnerId);
      await page.getByRole('button', { name: language === 'es' ? 'Aceptar la invitación' : 'Accept the invitation' }).click();
      await page.waitForLoadState();
      expect(await htmlLang(page)).toBe(language);
      expect(await page.locator('.notice').textContent()).toContain(language === 'es' ? 'dirección de correo distinta' : 'another email address');
      await checkPage(inspector, page, `invitation-refused-${language}`);
      await page.getByRole('link', { name: language === 'es' ? 'Volver a la página' : 'Back to the page' }).click();
      expect(await htmlLang(page)).toBe(language);
      await page.close();
    }
    const page = await openEmailedLink(context, reseller.email);
    await page.getByLabel('Su ID de partner').fill(reseller.partnerId);
    await page.getByRole('button', { name: 'Aceptar la invitación' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Ya es partner de');
  });

  it('shows unknown, expired and withdrawn links as clear pages in both languages', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const page = await context.newPage();
    for (const language of ['es', 'en'] as const) {
      const response = await page.goto(`${engine.url}/invitations/${'z'.repeat(43)}?lang=${language}`);
      expect(response?.status()).toBe(404);
      expect(await htmlLang(page)).toBe(language);
      await checkPage(inspector, page, `invitation-unknown-${language}`);
    }

    const expiredEmail = uniqueEmail('expired');
    const expired = await invite(provider, expiredEmail);
    await engine.deps.db.update(invitations).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(invitations.id, expired.id));
    const revokedEmail = uniqueEmail('revoked');
    const revoked = await invite(provider, revokedEmail);
    expect((await engine.request('POST', `/v1/invitations/${revoked.id}/revoke`, { key: provider.apiKey })).status).toBe(200);

    for (const [state, email] of [['expired', expiredEmail], ['revoked', revokedEmail]] as const) {
      const linkPage = await openEmailedLink(context, email);
      for (const language of ['es', 'en'] as const) {
        await linkPage.getByRole('link', { name: language === 'es' ? 'Español' : 'English' }).click();
        expect(await htmlLang(linkPage)).toBe(language);
        expect(await linkPage.getByRole('heading', { level: 1 }).textContent()).toBe(
          language === 'es' ? 'Esta invitación ya no es válida' : 'This invitation is no longer valid',
        );
        await checkPage(inspector, linkPage, `invitation-${state}-${language}`);
      }
      await linkPage.close();
    }
    await page.close();
  });
});

describe("a customer's contact answers a reseller relationship request in the browser", () => {
  for (const [language, outcome] of [['es', 'accepted'], ['en', 'declined']] as const) {
    it(`reads the request in ${language === 'es' ? 'Spanish' : 'English'}, ${outcome === 'accepted' ? 'accepts' : 'declines'} and sees what happens next`, async () => {
      const context = await personContext(browser, language === 'es' ? 'es-ES' : 'en-GB');
      const { provider, reseller } = await partneredPair(engine);
      const customer = await createActiveCustomer(engine, { providerId: provider.id });
      const asked = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, { key: provider.apiKey, body: { resellerId: reseller.id } });
      expect(asked.status, asked.text).toBe(202);
      await waitFor(async () => (await mailTo(engine, customer.contactEmail)).length > 0, { what: 'the request mail' });

      const page = await openEmailedLink(context, customer.contactEmail);
      // The customer is in Spain: Spanish unless the contact switches.
      expect(await htmlLang(page)).toBe('es');
      if (language === 'en') await page.getByRole('link', { name: 'English' }).click();
      expect(await htmlLang(page)).toBe(language);
      await checkPage(inspector, page, `relationship-${language}`);

      if (outcome === 'accepted') {
        await page.getByRole('button', { name: `Aceptar a ${reseller.name} como revendedor` }).click();
      } else {
        await page.getByLabel('Reason (optional)').fill('Not now.');
        await page.getByRole('button', { name: 'Decline the request' }).click();
      }
      await page.waitForLoadState();
      expect(await htmlLang(page)).toBe(language);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        outcome === 'accepted' ? `${reseller.name} es ahora su revendedor` : 'Request declined',
      );
      expect(await page.locator('.next').textContent()).toContain(language === 'es' ? 'Qué ocurre ahora' : 'What happens next');
      await checkPage(inspector, page, `relationship-${outcome}-${language}`);

      const relationship = await engine.request('GET', `/v1/reseller-relationships/${asked.body.id}`, { key: provider.apiKey });
      expect(relationship.body.status).toBe(outcome);
      await context.close();
    });
  }
});
