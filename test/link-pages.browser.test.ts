import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invitations, resellerRelationships } from '../src/db/schema';
import { checkPage, launchBrowser, personContext, phone } from './support/browser';
import { createActiveCustomer, partneredPair } from './support/fixtures';
import {
  createTestPartner,
  mailTo,
  startTestEngine,
  uniqueEmail,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';

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
  const reply = await engine.request('POST', '/v1/invitations', {
    key: provider.apiKey,
    body: { resellerEmail, message: 'Hola, trabajemos juntos en 2027.' },
  });
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
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Contoso Distribución le invita a asociarse',
    );
    expect(await page.locator('blockquote').textContent()).toBe('Hola, trabajemos juntos en 2027.');
    expect(await page.locator('.meta').first().textContent()).toMatch(
      /Caduca el \d{1,2} de \w+ de \d{4}\D+\d{2}:\d{2} CES?T\./,
    );
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

  for (const language of ['en', 'es'] as const) {
    it(`declines with a reason${language === 'en' ? ' after switching to English with ?lang=' : ' in Spanish'} and reads the confirmation in that language`, async () => {
      const provider = await createTestPartner(engine.request, { kind: 'provider', name: 'Contoso Distribución' });
      const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
      const { id } = await invite(provider, reseller.email);

      const page = await openEmailedLink(context, reseller.email);
      if (language === 'en') {
        await page.getByRole('link', { name: 'English' }).click();
        expect(page.url()).toMatch(/\?lang=en$/);
        expect(await htmlLang(page)).toBe('en');
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
          'Contoso Distribución invites you to partner with them',
        );
        await checkPage(inspector, page, 'invitation-en');
      }
      await page
        .getByLabel(language === 'en' ? 'Reason (optional)' : 'Motivo (opcional)')
        .fill('We already work with another provider.');
      await page
        .getByRole('button', { name: language === 'en' ? 'Decline the invitation' : 'Rechazar la invitación' })
        .click();
      await page.waitForLoadState();
      expect(await htmlLang(page)).toBe(language);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        language === 'en' ? 'Invitation declined' : 'Invitación rechazada',
      );
      expect(await page.locator('.next').textContent()).toContain(
        language === 'en' ? 'What happens next' : 'Qué ocurre ahora',
      );
      await checkPage(inspector, page, `invitation-declined-${language}`);

      const invitation = await engine.request('GET', `/v1/invitations/${id}`, { key: provider.apiKey });
      expect(invitation.body).toMatchObject({ status: 'declined' });
    });
  }

  it('explains a refused answer in the page’s language, with a way back, then accepts on the second try', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const stranger = await createTestPartner(engine.request, { kind: 'reseller' });
    await invite(provider, reseller.email);

    for (const language of ['es', 'en'] as const) {
      const page = await openEmailedLink(context, reseller.email);
      if (language === 'en') await page.getByRole('link', { name: 'English' }).click();
      await page.getByLabel(language === 'es' ? 'Su ID de partner' : 'Your partner ID').fill(stranger.partnerId);
      await page
        .getByRole('button', { name: language === 'es' ? 'Aceptar la invitación' : 'Accept the invitation' })
        .click();
      await page.waitForLoadState();
      expect(await htmlLang(page)).toBe(language);
      expect(await page.locator('.notice').textContent()).toContain(
        language === 'es' ? 'dirección de correo distinta' : 'another email address',
      );
      await checkPage(inspector, page, `invitation-refused-${language}`);
      await page.getByRole('link', { name: language === 'es' ? 'Volver a la página' : 'Back to the page' }).click();
      expect(await htmlLang(page)).toBe(language);
      await page.close();
    }
    const page = await openEmailedLink(context, reseller.email);
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByLabel('Your partner ID').fill(reseller.partnerId);
    await page.getByRole('button', { name: 'Accept the invitation' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      `You are now partners with ${provider.name}`,
    );
    expect(await page.locator('.next').textContent()).toContain('can now create customers on your behalf');
    await checkPage(inspector, page, 'invitation-accepted-en');
  });

  it('shows unknown, expired and withdrawn invitation links as clear pages in both languages', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const expiredEmail = uniqueEmail('expired');
    const expired = await invite(provider, expiredEmail);
    await engine.deps.db
      .update(invitations)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(invitations.id, expired.id));
    const revokedEmail = uniqueEmail('revoked');
    const revoked = await invite(provider, revokedEmail);
    expect(
      (await engine.request('POST', `/v1/invitations/${revoked.id}/revoke`, { key: provider.apiKey })).status,
    ).toBe(200);

    await checkDeadLinks(
      context,
      'invitation',
      { expired: expiredEmail, revoked: revokedEmail },
      {
        es: ['No encontramos esta invitación', 'Esta invitación ya no es válida'],
        en: ['Invitation not found', 'This invitation is no longer valid'],
      },
    );
  });
});

/** A made-up link answers 404, an expired or withdrawn one 410: a page in each language, each checked. */
async function checkDeadLinks(
  context: BrowserContext,
  kind: 'invitation' | 'relationship',
  recipients: { expired: string; revoked: string },
  headings: Record<'es' | 'en', [unknown: string, gone: string]>,
) {
  const page = await context.newPage();
  const base = kind === 'invitation' ? '/invitations' : '/reseller-relationships';
  for (const language of ['es', 'en'] as const) {
    const response = await page.goto(`${engine.url}${base}/${'z'.repeat(43)}?lang=${language}`);
    expect(response?.status()).toBe(404);
    expect(await htmlLang(page)).toBe(language);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(headings[language][0]);
    await checkPage(inspector, page, `${kind}-unknown-${language}`);
  }
  await page.close();
  for (const [state, email] of Object.entries(recipients)) {
    const linkPage = await openEmailedLink(context, email);
    for (const language of ['es', 'en'] as const) {
      await linkPage.getByRole('link', { name: language === 'es' ? 'Español' : 'English' }).click();
      expect(await htmlLang(linkPage)).toBe(language);
      expect(await linkPage.getByRole('heading', { level: 1 }).textContent()).toBe(headings[language][1]);
      await checkPage(inspector, linkPage, `${kind}-${state}-${language}`);
    }
    await linkPage.close();
  }
}

describe('the dev outbox', () => {
  it('is a page of mails with links to click for a browser, and JSON for Accept: application/json', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const email = uniqueEmail('outbox');
    await invite(provider, email);
    const json = await engine.request('GET', '/dev/outbox', { headers: { accept: 'application/json' } });
    const mail = json.body.items.find((item: { to: string }) => item.to === email);
    expect(mail).toMatchObject({ template: 'invitationLink', language: 'es' });
    const link = /https?:\/\/\S+\/invitations\/[\w-]+/.exec(mail.text)![0];
    const html = await engine.request('GET', '/dev/outbox', {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain(`<a class="button" href="${link}">Open the link</a>`);
  });
});

describe("a customer's contact answers a reseller relationship request in the browser", () => {
  async function askContact(customer?: { id: string; contactEmail: string }) {
    const { provider, reseller } = await partneredPair(engine);
    const target = customer ?? (await createActiveCustomer(engine, { providerId: provider.id }));
    const asked = await engine.request('POST', `/v1/customers/${target.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    expect(asked.status, asked.text).toBe(202);
    await waitFor(async () => (await mailTo(engine, target.contactEmail)).length > 0, { what: 'the request mail' });
    return { provider, reseller, customer: target, relationshipId: asked.body.id as string };
  }

  for (const language of ['es', 'en'] as const) {
    for (const outcome of ['accepted', 'declined'] as const) {
      it(`reads the request in ${language === 'es' ? 'Spanish' : 'English'}, ${outcome === 'accepted' ? 'accepts' : 'declines'} and sees what happens next`, async () => {
        const context = await personContext(browser, language === 'es' ? 'es-ES' : 'en-GB');
        const { provider, reseller, customer, relationshipId } = await askContact();

        const page = await openEmailedLink(context, customer.contactEmail);
        // The customer is in Spain: Spanish unless the contact switches.
        expect(await htmlLang(page)).toBe('es');
        if (language === 'en') await page.getByRole('link', { name: 'English' }).click();
        expect(await htmlLang(page)).toBe(language);
        if (outcome === 'accepted') await checkPage(inspector, page, `relationship-${language}`);

        const words =
          language === 'es'
            ? {
                accept: `Aceptar a ${reseller.name} como revendedor`,
                reason: 'Motivo (opcional)',
                decline: 'Rechazar la solicitud',
              }
            : {
                accept: `Accept ${reseller.name} as our reseller`,
                reason: 'Reason (optional)',
                decline: 'Decline the request',
              };
        if (outcome === 'accepted') {
          await page.getByRole('button', { name: words.accept }).click();
        } else {
          await page.getByLabel(words.reason).fill('Not now.');
          await page.getByRole('button', { name: words.decline }).click();
        }
        await page.waitForLoadState();
        expect(await htmlLang(page)).toBe(language);
        const titles = {
          es: { accepted: `${reseller.name} es ahora su revendedor`, declined: 'Solicitud rechazada' },
          en: { accepted: `${reseller.name} is now your reseller`, declined: 'Request declined' },
        };
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(titles[language][outcome]);
        expect(await page.locator('.next').textContent()).toContain(
          language === 'es' ? 'Qué ocurre ahora' : 'What happens next',
        );
        await checkPage(inspector, page, `relationship-${outcome}-${language}`);

        // Back at the link: it says the request was answered.
        await page.getByRole('link', { name: language === 'es' ? 'Español' : 'English' }).click();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
          language === 'es' ? 'Ya respondió a esta solicitud' : 'You already answered this request',
        );
        if (outcome === 'accepted') await checkPage(inspector, page, `relationship-answered-${language}`);

        const relationship = await engine.request('GET', `/v1/reseller-relationships/${relationshipId}`, {
          key: provider.apiKey,
        });
        expect(relationship.body.status).toBe(outcome);
        await context.close();
      });
    }
  }

  it('shows unknown, expired and withdrawn request links as clear pages in both languages', async () => {
    const context = await personContext(browser, 'es-ES');
    const expired = await askContact();
    await engine.deps.db
      .update(resellerRelationships)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(resellerRelationships.id, expired.relationshipId));
    const revoked = await askContact();
    expect(
      (
        await engine.request('POST', `/v1/reseller-relationships/${revoked.relationshipId}/revoke`, {
          key: revoked.provider.apiKey,
        })
      ).status,
    ).toBe(200);

    await checkDeadLinks(
      context,
      'relationship',
      { expired: expired.customer.contactEmail, revoked: revoked.customer.contactEmail },
      {
        es: ['No encontramos esta solicitud', 'Esta solicitud ya no es válida'],
        en: ['Request not found', 'This request is no longer valid'],
      },
    );
    await context.close();
  });
});
