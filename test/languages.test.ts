import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partneredPair } from './support/fixtures';
import {
  createTestPartner,
  linkIn,
  mailTo,
  OPERATOR_KEY,
  startTestEngine,
  uniqueEmail,
  uniquePartnerId,
  waitFor,
  type TestEngine,
} from './support/harness';
import { onboardingBody, reviewedOnboarding } from './support/onboarding.fixtures';
import { freePort } from './support/ports';
import { startSmtpSink } from './support/smtp';

/** PRODUCT.md §8: each person reads emails and link pages in their language, Spanish or English. */

let engine: TestEngine;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

beforeAll(async () => {
  // A real SMTP server on loopback: what the engine sends is read as a receiving server reads it.
  const port = await freePort();
  smtp = await startSmtpSink(port);
  engine = await startTestEngine({ env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
});
afterAll(async () => {
  await engine?.stop();
  await smtp?.close();
});

async function invite(providerKey: string, resellerEmail: string) {
  const reply = await engine.request('POST', '/v1/invitations', { key: providerKey, body: { resellerEmail } });
  expect(reply.status, reply.text).toBe(202);
  const mail = await waitFor(
    async () => (await mailTo(engine, resellerEmail)).find((m) => m.template === 'invitationLink'),
    { what: 'the invitation mail' },
  );
  return { mail, link: linkIn(mail.text, '/invitations').pathname };
}

describe('language of partners', () => {
  it('is optional on create, shown on the partner, changed or cleared by PATCH, and only es or en', async () => {
    const created = await engine.request('POST', '/v1/partners', {
      key: OPERATOR_KEY,
      body: {
        kind: 'reseller',
        name: 'Northwind',
        email: uniqueEmail(),
        partnerId: uniquePartnerId(),
        country: 'ES',
        cspEnrolled: true,
        language: 'en',
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.partner.language).toBe('en');
    const changed = await engine.request('PATCH', `/v1/partners/${created.body.partner.id}`, {
      key: OPERATOR_KEY,
      body: { language: null },
    });
    expect(changed.body.language).toBeNull();
    const refused = await engine.request('PATCH', `/v1/partners/${created.body.partner.id}`, {
      key: OPERATOR_KEY,
      body: { language: 'fr' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].path).toBe('body.language');
    const defaulted = await createTestPartner(engine.request, { kind: 'provider', country: 'MX' });
    expect((await engine.request('GET', '/v1/partners/me', { key: defaulted.apiKey })).body.language).toBeNull();
  });
});

describe('emails', () => {
  it('reach a reseller in Spain in Spanish, over SMTP with Content-Language: es', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider', name: 'Contoso Distribución' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { mail } = await invite(provider.apiKey, reseller.email);
    expect(mail.language).toBe('es');
    expect(mail.subject).toBe('Contoso Distribución le invita a asociarse');
    expect(mail.text).toMatch(/caduca el \d{1,2} de \w+ de \d{4}\D+\d{2}:\d{2} CES?T\)/);

    const raw = await waitFor(
      async () => smtp.received.find((message) => message.data.includes(reseller.email))?.data,
      {
        what: 'the mail over SMTP',
      },
    );
    expect(raw).toMatch(/^Content-Language: es$/m);
    expect(raw).toMatch(/^Content-Type: text\/plain; charset=utf-8$/im);
  });

  it('follow the language a partner chose over its country, for the reseller and for the provider told of the acceptance', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    await engine.request('PATCH', `/v1/partners/${provider.id}`, { key: OPERATOR_KEY, body: { language: 'en' } });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    await engine.request('PATCH', `/v1/partners/${reseller.id}`, { key: OPERATOR_KEY, body: { language: 'en' } });

    const { mail, link } = await invite(provider.apiKey, reseller.email);
    expect(mail).toMatchObject({ language: 'en', subject: `${provider.name} invites you to partner with them` });
    expect(mail.text).toMatch(/expires on \d{1,2} \w+ \d{4}\D+\d{2}:\d{2} CES?T\)/);

    const accepted = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    expect(accepted.status).toBe(200);
    const notice = await waitFor(async () =>
      (await mailTo(engine, provider.email)).find((m) => m.template === 'invitationAccepted'),
    );
    expect(notice).toMatchObject({ language: 'en', subject: `${reseller.name} accepted your partnership request` });
    const raw = await waitFor(async () => smtp.received.find((message) => message.data.includes(provider.email))?.data);
    expect(raw).toMatch(/^Content-Language: en$/m);
  });

  it('reach an unregistered address in the language of the provider’s country', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider', country: 'US' });
    const { mail } = await invite(provider.apiKey, uniqueEmail('newcomer'));
    expect(mail.language).toBe('en');
    expect(mail.text).toContain('UTC');
  });

  it("reach a customer's contact in the language given with the contact at onboarding, whatever the company's country", async () => {
    const { provider, reseller } = await partneredPair(engine);
    const contactEmail = uniqueEmail('contact');
    const body = onboardingBody();
    const onboarding = await reviewedOnboarding(engine, provider.apiKey, {
      ...body,
      contact: { ...body.contact, email: contactEmail, language: 'en' },
    });
    const submitted = await engine.request('POST', `/v1/customer-onboardings/${onboarding.id}/submit`, {
      key: provider.apiKey,
    });
    expect(submitted.status, submitted.text).toBe(200);
    const customerId: string = submitted.body.customer.id;
    expect(
      (await engine.request('GET', `/v1/customers/${customerId}`, { key: provider.apiKey })).body.contact.language,
    ).toBe('en');

    const asked = await engine.request('POST', `/v1/customers/${customerId}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    expect(asked.status, asked.text).toBe(202);
    const mail = await waitFor(async () =>
      (await mailTo(engine, contactEmail)).find((m) => m.template === 'relationshipLink'),
    );
    expect(mail).toMatchObject({
      language: 'en',
      subject: `${provider.name} asks that ${reseller.name} manage Woodgrove Bank`,
    });
    const page = await engine.request('GET', linkIn(mail.text, '/reseller-relationships').pathname, {
      headers: { 'accept-language': 'es' },
    });
    expect(page.text).toContain('<html lang="en"');
    expect(page.text).toContain('A new reseller for Woodgrove Bank');
  });
});

describe('link pages', () => {
  it('follow ?lang=, then the recipient’s language, then Accept-Language, and say which in <html lang>', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { link } = await invite(provider.apiKey, reseller.email);
    const recipients = await engine.request('GET', link, { headers: { 'accept-language': 'en' } });
    expect(recipients.text).toContain('<html lang="es"');
    expect(recipients.text).toContain(`${provider.name} le invita a asociarse`);
    const chosen = await engine.request('GET', `${link}?lang=en`, { headers: { 'accept-language': 'es' } });
    expect(chosen.text).toContain('<html lang="en"');
    expect(chosen.text).toContain(`${provider.name} invites you to partner with them`);
    expect(chosen.text).toContain(`action="${link}/accept?lang=en"`);

    // Nobody is registered with this address yet: the browser's language decides, then the provider's country.
    const { link: unknownReaders } = await invite(provider.apiKey, uniqueEmail('newcomer'));
    expect(
      (await engine.request('GET', unknownReaders, { headers: { 'accept-language': 'en-US,en;q=0.9' } })).text,
    ).toContain('<html lang="en"');
    expect((await engine.request('GET', unknownReaders)).text).toContain('<html lang="es"');
  });

  it('answer a refused form in the language of the page, saying what to do next and how to go back', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { link } = await invite(provider.apiKey, reseller.email);
    const reply = await engine.request('POST', `${link}/accept?lang=es`, {
      rawBody: 'partnerId=0000000',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    expect(reply.status).toBe(422);
    expect(reply.text).toContain('<html lang="es"');
    expect(reply.text).toContain('No hay ningún revendedor registrado con ese ID de partner');
    expect(reply.text).toContain(`href="${link}?lang=es"`);
    expect(reply.text).toContain(reply.headers.get('x-request-id')!);
  });

  it('answer an unknown link in the browser’s language', async () => {
    const reply = await engine.request('GET', `/reseller-relationships/${'y'.repeat(43)}`, {
      headers: { 'accept-language': 'es' },
    });
    expect(reply.status).toBe(404);
    expect(reply.text).toContain('<html lang="es"');
    expect(reply.text).toContain('No encontramos esta solicitud');
  });
});
