-- Live rows as the payments app's init_db left them (seed 003, "Default Subscription Plans");
-- the same SQL runs on SQLite and PostgreSQL.
INSERT INTO subscription_plans (id, name, description, price, currency, billing_interval, credits_per_period, max_products_per_batch, max_api_calls_per_day, requests_per_minute, requests_per_hour, features, lemon_squeezy_variant_id, lemon_squeezy_product_id, is_active, sort_order, created_at, updated_at) VALUES
  ('free', 'Free', 'Basic AI generation, CSV upload', 0.00, 'USD', 'month', 10, 5, 0, 5, 50, '{"csv_upload": true, "api_access": false}', NULL, NULL, true, 0, '2025-01-02 03:04:05', '2025-01-02 03:04:05'),
  ('basic', 'Basic', 'Enhanced generation, email support', 9.99, 'USD', 'month', 100, 20, 0, 20, 500, '{"csv_upload": true, "enhanced_generation": true, "email_support": true}', 'ls_var_basic', 'ls_prod_main', true, 1, '2025-01-02 03:04:05', '2025-01-02 03:04:05'),
  ('pro', 'Pro', 'Priority support, custom templates, API access', 29.99, 'USD', 'month', 1000, 100, 1000, 50, 2000, '{"csv_upload": true, "enhanced_generation": true, "email_support": true, "priority_support": true, "custom_templates": true, "api_access": true}', 'ls_var_pro', 'ls_prod_main', true, 2, '2025-01-02 03:04:05', '2025-01-02 03:04:05'),
  ('enterprise', 'Enterprise', 'White label, custom integrations, unlimited access', 99.99, 'USD', 'month', 10000, 1000, 100000, 100, 10000, '{"csv_upload": true, "enhanced_generation": true, "email_support": true, "priority_support": true, "custom_templates": true, "api_access": true, "white_label": true, "custom_integrations": true}', 'ls_var_enterprise', 'ls_prod_main', true, 3, '2025-01-02 03:04:05', '2025-01-02 03:04:05');
INSERT INTO user_subscriptions (id, user_id, plan_id, status, current_period_start, current_period_end, cancel_at_period_end, metadata) VALUES
  ('sub_1', 'firebase_uid_1', 'basic', 'active', '2025-03-01 00:00:00', '2025-04-01 00:00:00', false, '{}'),
  ('sub_2', 'firebase_uid_2', 'pro', 'active', '2025-03-01 00:00:00', '2025-04-01 00:00:00', false, '{}'),
  ('sub_3', 'firebase_uid_3', 'free', 'active', '2025-03-01 00:00:00', '2025-04-01 00:00:00', false, '{}');
