-- GET /v1/customers?q= when q holds whole words (src/db/queries/customer-search.ts): the words of a
-- customer's name and domain, so that a search with a rare word costs that word's posting list, not
-- the trigram posting lists of the common words beside it. Built CONCURRENTLY on a live table
-- (src/db/online-indexes.ts).
CREATE INDEX IF NOT EXISTS "customers_search_words_idx" ON "customers" USING gin (to_tsvector('simple', regexp_replace("name" || ' ' || "domain", '[^[:alnum:]]+', ' ', 'g')));
