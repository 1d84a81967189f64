-- Catalogue full-text search on SQLite: FTS5 with the trigram tokenizer (works for Chinese).
CREATE VIRTUAL TABLE vch_services_fts USING fts5(service_id UNINDEXED, body, tokenize = 'trigram');
CREATE TRIGGER vch_services_fts_ins AFTER INSERT ON vch_services BEGIN
  INSERT INTO vch_services_fts (service_id, body)
  VALUES (new.id, new.name || ' ' || new.description || ' ' || new.provider_name || ' ' || new.category);
END;
CREATE TRIGGER vch_services_fts_upd AFTER UPDATE ON vch_services BEGIN
  DELETE FROM vch_services_fts WHERE service_id = old.id;
  INSERT INTO vch_services_fts (service_id, body)
  VALUES (new.id, new.name || ' ' || new.description || ' ' || new.provider_name || ' ' || new.category);
END;
