-- Subscriptions over their whole life (PRODUCT.md §6): offer terms, the subscription's term and
-- lifecycle columns, license batches, and charges recorded once per period or change.
ALTER TABLE "offers" ADD COLUMN "terms" jsonb;
--> statement-breakpoint
-- Existing catalogs: monthly offers sell P1M and P1Y, annual offers P1Y and P3Y (npm run db:migrate
-- then refreshes every offer from catalog/offers.json).
UPDATE "offers" SET "terms" = CASE WHEN "billing_cycle" = 'annual'
  THEN '[{"term":"P1Y","billingFrequencies":["monthly","annual"]},{"term":"P3Y","billingFrequencies":["monthly","annual","triennial"]}]'::jsonb
  ELSE '[{"term":"P1M","billingFrequencies":["monthly"]},{"term":"P1Y","billingFrequencies":["monthly","annual"]}]'::jsonb END;
--> statement-breakpoint
ALTER TABLE "offers" ALTER COLUMN "terms" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "term" text;
--> statement-breakpoint
ALTER TABLE "order_lines" ADD COLUMN "billing_frequency" text;
--> statement-breakpoint
UPDATE "order_lines" l SET
  "term" = CASE WHEN o."billing_cycle" = 'annual' THEN 'P1Y' ELSE 'P1M' END,
  "billing_frequency" = CASE WHEN o."billing_cycle" = 'annual' THEN 'annual' ELSE 'monthly' END
FROM "offers" o WHERE o."id" = l."offer_id";
--> statement-breakpoint
ALTER TABLE "order_lines" ALTER COLUMN "term" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "order_lines" ALTER COLUMN "billing_frequency" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "term" text;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "billing_frequency" text;
--> statement-breakpoint
-- Lines and subscriptions that exist before this ships: their term follows the offer's billing
-- cycle, started at their creation; `npm run subscriptions:backfill` then gives each its workflow.
UPDATE "subscriptions" s SET
  "term" = CASE WHEN o."billing_cycle" = 'annual' THEN 'P1Y' ELSE 'P1M' END,
  "billing_frequency" = CASE WHEN o."billing_cycle" = 'annual' THEN 'annual' ELSE 'monthly' END
FROM "offers" o WHERE o."id" = s."offer_id";
--> statement-breakpoint
ALTER TABLE "subscriptions" ALTER COLUMN "term" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "subscriptions" ALTER COLUMN "billing_frequency" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "started_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "term_started_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
UPDATE "subscriptions" SET "started_at" = "created_at", "term_started_at" = "created_at";
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "term_ends_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "auto_renew" boolean DEFAULT true NOT NULL;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "renewal_count" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "scheduled_changes" jsonb;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "cancellation_allowed_until" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "license_batches" jsonb DEFAULT '[]'::jsonb NOT NULL;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "suspension_reason" text;
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "workflow_id" text;
--> statement-breakpoint
CREATE INDEX "subscriptions_without_workflow_idx" ON "subscriptions" USING btree ("created_at") WHERE "subscriptions"."workflow_id" IS NULL;
--> statement-breakpoint
CREATE TABLE "subscription_charges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subscription_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"quantity" integer NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"workflow_id" text,
	"run_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "subscription_charges" ADD CONSTRAINT "subscription_charges_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "subscription_charges" ADD CONSTRAINT "subscription_charges_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_charges_idempotency_idx" ON "subscription_charges" USING btree ("idempotency_key");
--> statement-breakpoint
CREATE INDEX "subscription_charges_customer_idx" ON "subscription_charges" USING btree ("customer_id","created_at","id");
