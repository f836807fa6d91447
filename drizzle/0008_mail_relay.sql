-- The mail relay (src/mail/relay.ts): a message its writer could not send at once (SMTP down or
-- refusing) is retried later, with its failures counted, instead of failing the step that wrote it.
ALTER TABLE "mail_outbox" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Messages already in the outbox are never relayed ('infinity'): those written without SMTP_URL were
-- delivered to the outbox itself, and the steps that wrote the others still send them. A constant
-- default, then the default of new rows: neither rewrites the table.
ALTER TABLE "mail_outbox" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT 'infinity' NOT NULL;--> statement-breakpoint
ALTER TABLE "mail_outbox" ALTER COLUMN "next_attempt_at" SET DEFAULT now();--> statement-breakpoint
ALTER TABLE "mail_outbox" ADD COLUMN "last_error" text;--> statement-breakpoint
-- The mail relay's pass: unsent messages, oldest first (src/mail/relay.ts); unsent messages are few,
-- so it filters them on next_attempt_at. Built CONCURRENTLY on a live table (src/db/online-indexes.ts).
CREATE INDEX IF NOT EXISTS "mail_outbox_unsent_idx" ON "mail_outbox" USING btree ("created_at") WHERE "mail_outbox"."sent_at" is null;
