-- Live rows as BatchTrack's developer UI left them (seed 002); the same SQL runs on SQLite
-- and PostgreSQL (ids come from the tables, so sequences stay right).
INSERT INTO permission (name, description) VALUES
  ('batches.create', 'Create production batches'),
  ('batches.view', 'View production batches'),
  ('inventory.edit', 'Edit inventory'),
  ('inventory.view', 'View inventory'),
  ('org.manage_users', 'Invite and remove organization members'),
  ('reports.export', 'Export reports');
INSERT INTO subscription_tier (name, "key", description, user_limit, is_customer_facing, billing_provider, is_billing_exempt, stripe_lookup_key, whop_product_key, fallback_price, created_at, updated_at) VALUES
  ('Exempt', 'exempt', 'Staff and partner accounts', 1000, false, 'exempt', true, NULL, NULL, '$0', '2025-01-02 03:04:05', '2025-01-02 03:04:05'),
  ('Hobbyist', 'hobbyist', 'For solo makers', 1, true, 'stripe', false, 'hobbyist_monthly', NULL, '$9/mo', '2025-01-02 03:04:05', '2025-01-02 03:04:05'),
  ('Team', 'team', 'For small teams', 5, true, 'stripe', false, 'team_monthly', NULL, '$49/mo', '2025-01-02 03:04:05', '2025-01-02 03:04:05'),
  ('Whop Team', 'whop_team', NULL, 5, true, 'whop', false, NULL, 'prod_WhopTeam01', '$45/mo', '2025-01-02 03:04:05', '2025-01-02 03:04:05');
INSERT INTO subscription_tier_permission (tier_id, permission_id)
  SELECT t.id, p.id FROM subscription_tier t, permission p
  WHERE t."key" = 'exempt'
     OR (t."key" = 'hobbyist' AND p.name IN ('batches.create', 'batches.view', 'inventory.view'))
     OR (t."key" IN ('team', 'whop_team') AND p.name <> 'reports.export');
INSERT INTO organization (name, subscription_tier_id, created_at)
  SELECT 'Acme Candles', id, '2025-02-01 00:00:00' FROM subscription_tier WHERE "key" = 'team';
INSERT INTO organization (name, subscription_tier_id, created_at)
  SELECT 'Solo Soap', id, '2025-02-02 00:00:00' FROM subscription_tier WHERE "key" = 'hobbyist';
INSERT INTO organization (name, subscription_tier_id, created_at)
  SELECT 'BatchTrack staff', id, '2025-02-03 00:00:00' FROM subscription_tier WHERE "key" = 'exempt';
