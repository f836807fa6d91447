ALTER TABLE "idempotency_keys" ADD COLUMN "lease_token" text;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD COLUMN "lease_expires_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "credential_escrow" ADD COLUMN "revealed_to" text;--> statement-breakpoint
ALTER TABLE "credential_escrow" ADD COLUMN "replay_until" timestamp with time zone;
