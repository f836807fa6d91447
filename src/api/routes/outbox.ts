import { z } from 'zod';
import { languages } from '../../i18n/language';
import { mailTemplates, type MailTemplate } from '../../mail/templates';
import type { OutboxMessage } from '../../mail/mailer';
import type { ApiDeps } from '../context';
import { escapeHtml, page } from '../html';
import type { ApiBuilder } from '../route';

const outboxItem = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  language: z.enum(languages).nullable(),
  template: z.enum(mailTemplates).nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

const links = (text: string) => text.match(/https?:\/\/[^\s<]+/g) ?? [];
const linkify = (text: string) => escapeHtml(text).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>');
const templateNames: Record<MailTemplate, string> = {
  invitationLink: 'Invitation link',
  invitationReminder: 'Invitation reminder',
  invitationAccepted: 'Invitation accepted',
  relationshipLink: 'Reseller relationship link',
  relationshipReminder: 'Reseller relationship reminder',
  webhookEndpointDisabled: 'Webhook endpoint disabled',
  subscriptionRenewalNotice: 'Subscription renewal notice',
  subscriptionExpiryNotice: 'Subscription expiry notice',
};

/** The mailbox of dev mode, for the person trying the demo: each mail with its links to click. */
function outboxPage(messages: OutboxMessage[]): string {
  const items = messages.map(
    (m) => `<article class="card" aria-labelledby="mail-${m.id}">
<h2 id="mail-${m.id}"${m.language ? ` lang="${m.language}"` : ''}>${escapeHtml(m.subject)}</h2>
<p class="meta">To ${escapeHtml(m.to)} · ${m.template ? templateNames[m.template] : 'Mail'}${m.language ? ` · <span lang="${m.language}">${m.language}</span>` : ''} · <time datetime="${m.createdAt.toISOString()}">${m.createdAt.toISOString().replace('T', ' ').slice(0, 19)} UTC</time></p>
${links(m.text)
  .map((link) => `<p><a class="button" href="${escapeHtml(link)}">Open the link</a></p>`)
  .join('')}
<details><summary>Full text</summary><pre lang="${m.language ?? 'en'}">${linkify(m.text)}</pre></details>
</article>`,
  );
  return page({
    language: 'en',
    title: 'Outbox',
    body: `<h1>Outbox</h1>
<p>Mail the engine would have sent, newest first (no SMTP_URL is set). Reload to see new mail; <a href="/dev/outbox?format=json">JSON</a>.</p>
${items.join('\n') || '<p class="card">No mail yet. Invite a reseller (see the README) and reload this page.</p>'}`,
  });
}

export function outboxRoutes(api: ApiBuilder, deps: ApiDeps) {
  // Without SMTP the outbox is the mailbox. Its messages hold live links, so outside dev mode it is for the operator.
  if (deps.config.mail.smtpUrl) return;
  api.route({
    method: 'get',
    path: '/dev/outbox',
    summary:
      'Mail the engine would have sent (when SMTP_URL is unset): a page for browsers, JSON otherwise; operator key required outside dev mode',
    tag: 'Operations',
    access: deps.devMode ? 'public' : ['operator'],
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      format: z.enum(['html', 'json']).optional(),
    }),
    responses: {
      200: {
        description: 'Newest messages first (JSON, or an HTML page when the client prefers text/html)',
        schema: z.object({ items: z.array(outboxItem) }),
      },
    },
    handle: async ({ query, req }) => {
      const messages = await deps.mailer.recent(query.limit);
      const format = query.format ?? req.accepts(['json', 'html']);
      if (format === 'html') return { status: 200, html: outboxPage(messages) };
      return {
        status: 200,
        json: {
          items: messages.map((m) => ({
            ...m,
            createdAt: m.createdAt.toISOString(),
            sentAt: m.sentAt?.toISOString() ?? null,
          })),
        },
      };
    },
  });
}
