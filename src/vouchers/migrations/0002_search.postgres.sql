-- Catalogue full-text search on PostgreSQL: pg_trgm similarity with a GIN trigram index.
-- The extension lives in schema public (qualified, so per-test schemas find it too).
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE INDEX vch_services_trgm ON vch_services
  USING gin ((name || ' ' || description || ' ' || provider_name || ' ' || category) public.gin_trgm_ops);
