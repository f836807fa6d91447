-- Indexes for a distributor's scale (a million customers). Every CREATE INDEX is written
-- IF NOT EXISTS: on a Postgres server src/db/migrations.ts builds them CONCURRENTLY before this
-- migration's transaction runs (so a live table is never locked for writes), and the statements
-- here then find them in place; on a fresh database or on PGlite they are built here.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- GET /v1/customers as a provider: provider_id = ? ORDER BY created_at DESC, id DESC (keyset pages).
CREATE INDEX IF NOT EXISTS "customers_provider_created_idx" ON "customers" USING btree ("provider_id","created_at" DESC,"id" DESC);
--> statement-breakpoint
-- GET /v1/customers?resellerId= as a provider: provider_id = ? AND reseller_id = ? ORDER BY created_at DESC, id DESC.
CREATE INDEX IF NOT EXISTS "customers_provider_reseller_created_idx" ON "customers" USING btree ("provider_id","reseller_id","created_at" DESC,"id" DESC);
--> statement-breakpoint
-- GET /v1/customers as a reseller: reseller_id = ? ORDER BY created_at DESC, id DESC.
CREATE INDEX IF NOT EXISTS "customers_reseller_created_idx" ON "customers" USING btree ("reseller_id","created_at" DESC,"id" DESC);
--> statement-breakpoint
-- GET /v1/customers?q=: name ILIKE '%q%' (prefix or middle), one trigram index per searched column.
CREATE INDEX IF NOT EXISTS "customers_name_trgm_idx" ON "customers" USING gin ("name" gin_trgm_ops);
--> statement-breakpoint
-- GET /v1/customers?q=: domain ILIKE '%q%'.
CREATE INDEX IF NOT EXISTS "customers_domain_trgm_idx" ON "customers" USING gin ("domain" gin_trgm_ops);
--> statement-breakpoint
-- GET /v1/customers/:id (its admin's username) and the onboarding saga's compensation: customer_users by customer_id.
CREATE INDEX IF NOT EXISTS "customer_users_customer_idx" ON "customer_users" USING btree ("customer_id");
--> statement-breakpoint
-- GET /v1/customers/:id/subscriptions: customer_id = ? [AND status = ?] ORDER BY created_at, id (every status, so not partial).
CREATE INDEX IF NOT EXISTS "subscriptions_customer_created_idx" ON "subscriptions" USING btree ("customer_id","created_at","id");
--> statement-breakpoint
-- GET /v1/orders/:id and the order and provisioning activities: subscriptions by order_id.
CREATE INDEX IF NOT EXISTS "subscriptions_order_idx" ON "subscriptions" USING btree ("order_id");
--> statement-breakpoint
-- GET /v1/invitations?status=: provider_id = ? AND status = ? ORDER BY created_at DESC, id DESC.
CREATE INDEX IF NOT EXISTS "invitations_provider_status_created_idx" ON "invitations" USING btree ("provider_id","status","created_at" DESC,"id" DESC);
--> statement-breakpoint
-- GET /v1/partnerships, provider side: provider_id = ? ORDER BY created_at DESC, id DESC.
CREATE INDEX IF NOT EXISTS "partnerships_provider_created_idx" ON "partnerships" USING btree ("provider_id","created_at" DESC,"id" DESC);
--> statement-breakpoint
-- GET /v1/partnerships, reseller side: reseller_id = ? ORDER BY created_at DESC, id DESC.
CREATE INDEX IF NOT EXISTS "partnerships_reseller_created_idx" ON "partnerships" USING btree ("reseller_id","created_at" DESC,"id" DESC);
--> statement-breakpoint
-- Superseded by the keyset indexes above (each is a prefix of one of them).
DROP INDEX IF EXISTS "customers_provider_reseller_idx";
--> statement-breakpoint
DROP INDEX IF EXISTS "customers_reseller_idx";
--> statement-breakpoint
DROP INDEX IF EXISTS "subscriptions_customer_idx";
--> statement-breakpoint
DROP INDEX IF EXISTS "partnerships_reseller_idx";
