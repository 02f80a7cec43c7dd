-- Live rows as Orion's admin and seed scripts left them (seed 004): four global tiers (the
-- TIER_LIMITS dict moved into the table), tiers of the oms and loyalty platforms, and an
-- essential tier for loyalty that shares its code with the global one. The Stripe columns hold
-- IDs copied from the dashboard; the table has no lookup keys (tierctl import finds them by
-- retrieving each price). The same SQL runs on SQLite and PostgreSQL (ids come from the tables).
INSERT INTO platforms (code, name) VALUES
  ('oms', 'Orion OMS'),
  ('loyalty', 'Orion Loyalty');

INSERT INTO subscription_tiers (platform_id, code, name, description, price_monthly_cents, price_annual_cents, orders_per_month, products_limit, team_members, order_history_months, cms_pages_limit, cms_custom_pages_limit, features, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id, display_order, is_active, is_public, created_at, updated_at) VALUES
  (NULL, 'essential', 'Essential', '100 orders/mo, 200 products, 1 user, LU invoicing', 4900, 49000, 100, 200, 1, 6, 5, 2, '["letzshop_sync", "inventory_basic", "invoice_lu", "customer_view", "cms_basic"]', 'prod_OrionEssential', 'price_1OrionEssentialMonth', 'price_1OrionEssentialYear', 1, true, true, '2025-11-03 09:15:00', '2026-01-18 19:49:44'),
  (NULL, 'professional', 'Professional', '500 orders/mo, unlimited products, 3 users, EU VAT', 9900, 99000, 500, NULL, 3, 24, 20, 10, '["letzshop_sync", "inventory_locations", "inventory_purchase_orders", "invoice_lu", "invoice_eu_vat", "customer_view", "customer_export", "cms_basic", "cms_custom_pages"]', 'prod_OrionProfessional', 'price_1OrionProfessionalMonth', 'price_1OrionProfessionalYear', 2, true, true, '2025-11-03 09:15:00', '2026-01-18 19:49:44'),
  (NULL, 'business', 'Business', '2000 orders/mo, unlimited products, 10 users, analytics, API', 19900, 199000, 2000, NULL, 10, NULL, NULL, 50, '["letzshop_sync", "inventory_locations", "inventory_purchase_orders", "invoice_lu", "invoice_eu_vat", "invoice_bulk", "customer_view", "customer_export", "analytics_dashboard", "accounting_export", "api_access", "automation_rules", "team_roles", "cms_basic", "cms_custom_pages", "cms_templates"]', 'prod_OrionBusiness', 'price_1OrionBusinessMonth', 'price_1OrionBusinessYear', 3, true, true, '2025-11-03 09:15:00', '2026-01-18 19:49:44'),
  (NULL, 'enterprise', 'Enterprise', 'Unlimited, white-label, custom integrations', 39900, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '["letzshop_sync", "inventory_locations", "inventory_purchase_orders", "invoice_lu", "invoice_eu_vat", "invoice_bulk", "customer_view", "customer_export", "analytics_dashboard", "accounting_export", "api_access", "automation_rules", "team_roles", "white_label", "multi_vendor", "custom_integrations", "sla_guarantee", "dedicated_support", "cms_basic", "cms_custom_pages", "cms_templates"]', 'prod_OrionEnterprise', 'price_1OrionEnterpriseMonth', NULL, 4, true, false, '2025-11-03 09:15:00', '2026-01-18 19:49:44');

INSERT INTO subscription_tiers (platform_id, code, name, description, price_monthly_cents, price_annual_cents, orders_per_month, products_limit, team_members, order_history_months, cms_pages_limit, cms_custom_pages_limit, features, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id, display_order, is_active, is_public, created_at, updated_at)
  SELECT id, 'starter', 'OMS Starter', 'The first OMS plan, closed to new vendors', 2900, 29000, 50, 100, 1, 3, 3, 0, '["letzshop_sync", "inventory_basic", "invoice_lu"]', 'prod_OrionOmsStarter', 'price_1OrionOmsStarterMonth', 'price_1OrionOmsStarterYear', 10, false, false, '2026-01-18 19:49:44', '2026-01-18 19:49:44' FROM platforms WHERE code = 'oms';
INSERT INTO subscription_tiers (platform_id, code, name, description, price_monthly_cents, price_annual_cents, orders_per_month, products_limit, team_members, order_history_months, cms_pages_limit, cms_custom_pages_limit, features, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id, display_order, is_active, is_public, created_at, updated_at)
  SELECT id, 'growth', 'OMS Growth', NULL, 7900, 79000, 1000, 1000, 5, 12, 10, 5, '["letzshop_sync", "inventory_locations", "invoice_lu", "invoice_eu_vat", "customer_view"]', 'prod_OrionOmsGrowth', 'price_1OrionOmsGrowthMonth', 'price_1OrionOmsGrowthYear', 11, true, true, '2026-01-18 19:49:44', '2026-01-18 19:49:44' FROM platforms WHERE code = 'oms';
INSERT INTO subscription_tiers (platform_id, code, name, description, price_monthly_cents, price_annual_cents, orders_per_month, products_limit, team_members, order_history_months, cms_pages_limit, cms_custom_pages_limit, features, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id, display_order, is_active, is_public, created_at, updated_at)
  SELECT id, 'essential', 'Loyalty Essential', 'Points and rewards for one shop', 1900, 19000, NULL, NULL, 2, 12, 5, 1, '["loyalty_points", "loyalty_rewards", "customer_view", "cms_basic"]', 'prod_OrionLoyaltyEssential', 'price_1OrionLoyaltyEssentialMonth', 'price_1OrionLoyaltyEssentialYear', 20, true, true, '2026-01-18 19:49:44', '2026-01-18 19:49:44' FROM platforms WHERE code = 'loyalty';
INSERT INTO subscription_tiers (platform_id, code, name, description, price_monthly_cents, price_annual_cents, orders_per_month, products_limit, team_members, order_history_months, cms_pages_limit, cms_custom_pages_limit, features, stripe_product_id, stripe_price_monthly_id, stripe_price_annual_id, display_order, is_active, is_public, created_at, updated_at)
  SELECT id, 'premium', 'Loyalty Premium', 'Tiered rewards, exports and custom pages', 5900, 59000, NULL, NULL, 5, NULL, 20, 10, '["loyalty_points", "loyalty_rewards", "loyalty_tiers", "customer_view", "customer_export", "cms_basic", "cms_custom_pages"]', 'prod_OrionLoyaltyPremium', 'price_1OrionLoyaltyPremiumMonth', 'price_1OrionLoyaltyPremiumYear', 21, true, true, '2026-01-18 19:49:44', '2026-01-18 19:49:44' FROM platforms WHERE code = 'loyalty';

-- Vendors on a global tier, on the loyalty essential (same code, other row), and on a retired OMS tier.
INSERT INTO vendor_subscriptions (vendor_id, tier_id, tier)
  SELECT 101, id, code FROM subscription_tiers WHERE code = 'essential' AND platform_id IS NULL;
INSERT INTO vendor_subscriptions (vendor_id, tier_id, tier)
  SELECT 102, id, code FROM subscription_tiers WHERE code = 'professional' AND platform_id IS NULL;
INSERT INTO vendor_subscriptions (vendor_id, tier_id, tier)
  SELECT 103, t.id, t.code FROM subscription_tiers t JOIN platforms p ON p.id = t.platform_id WHERE t.code = 'essential' AND p.code = 'loyalty';
INSERT INTO vendor_subscriptions (vendor_id, tier_id, tier)
  SELECT 104, t.id, t.code FROM subscription_tiers t JOIN platforms p ON p.id = t.platform_id WHERE t.code = 'growth' AND p.code = 'oms';
INSERT INTO vendor_subscriptions (vendor_id, tier_id, tier)
  SELECT 105, t.id, t.code FROM subscription_tiers t JOIN platforms p ON p.id = t.platform_id WHERE t.code = 'starter' AND p.code = 'oms';
INSERT INTO vendor_subscriptions (vendor_id, tier_id, tier)
  SELECT 106, id, code FROM subscription_tiers WHERE code = 'enterprise' AND platform_id IS NULL;
