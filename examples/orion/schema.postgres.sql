-- Orion's tier tables (seed 004: models/database/subscription.py), as its SQLAlchemy models create
-- them on PostgreSQL (JSON is json; Column(comment=...) becomes COMMENT ON COLUMN). Python-side
-- defaults (display_order default=0, is_active/is_public default=True, features default=list)
-- are not in the DDL, so tierctl must write every NOT NULL column itself. created_at/updated_at
-- come from Orion's TimestampMixin, which the seed imports but does not show; they are taken as
-- NOT NULL without a database default (the strictest reading). Index names are SQLAlchemy's
-- defaults (ix_<table>_<column> for index=True); constraints carry explicit names. The seed's
-- comment promises "tier code unique per platform" but declares only idx_tier_platform_active:
-- no UNIQUE on (platform_id, code), so tierctl's own validation keeps codes unique per platform.
CREATE TABLE platforms (
  id SERIAL NOT NULL,
  code VARCHAR(50) NOT NULL,
  name VARCHAR(100) NOT NULL,
  CONSTRAINT pk_platforms PRIMARY KEY (id)
);
CREATE INDEX ix_platforms_id ON platforms (id);
CREATE UNIQUE INDEX ix_platforms_code ON platforms (code);

CREATE TABLE subscription_tiers (
  id SERIAL NOT NULL,
  platform_id INTEGER,
  code VARCHAR(30) NOT NULL,
  name VARCHAR(100) NOT NULL,
  description TEXT,
  price_monthly_cents INTEGER NOT NULL,
  price_annual_cents INTEGER,
  orders_per_month INTEGER,
  products_limit INTEGER,
  team_members INTEGER,
  order_history_months INTEGER,
  cms_pages_limit INTEGER,
  cms_custom_pages_limit INTEGER,
  features JSON,
  stripe_product_id VARCHAR(100),
  stripe_price_monthly_id VARCHAR(100),
  stripe_price_annual_id VARCHAR(100),
  display_order INTEGER,
  is_active BOOLEAN NOT NULL,
  is_public BOOLEAN NOT NULL,
  created_at TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT pk_subscription_tiers PRIMARY KEY (id),
  CONSTRAINT fk_subscription_tiers_platform_id_platforms FOREIGN KEY (platform_id) REFERENCES platforms (id) ON DELETE CASCADE
);
COMMENT ON COLUMN subscription_tiers.platform_id IS 'Platform this tier belongs to (NULL = global tier)';
COMMENT ON COLUMN subscription_tiers.cms_pages_limit IS 'Total CMS pages limit (NULL = unlimited)';
COMMENT ON COLUMN subscription_tiers.cms_custom_pages_limit IS 'Custom pages limit, excluding overrides (NULL = unlimited)';
CREATE INDEX idx_tier_platform_active ON subscription_tiers (platform_id, is_active);
CREATE INDEX ix_subscription_tiers_id ON subscription_tiers (id);
CREATE INDEX ix_subscription_tiers_platform_id ON subscription_tiers (platform_id);
CREATE INDEX ix_subscription_tiers_code ON subscription_tiers (code);

-- The subscribers: VendorSubscription, reduced to the columns that point at a tier (vendor_id's
-- foreign key to vendors is left out with the vendors table). tier_id is the foreign key tierctl
-- keeps stable; tier (the code, "kept for backwards compatibility") is the app's own copy.
CREATE TABLE vendor_subscriptions (
  id SERIAL NOT NULL,
  vendor_id INTEGER NOT NULL,
  tier_id INTEGER,
  tier VARCHAR(20) NOT NULL,
  CONSTRAINT pk_vendor_subscriptions PRIMARY KEY (id),
  CONSTRAINT fk_vendor_subscriptions_tier_id_subscription_tiers FOREIGN KEY (tier_id) REFERENCES subscription_tiers (id)
);
CREATE INDEX ix_vendor_subscriptions_id ON vendor_subscriptions (id);
CREATE UNIQUE INDEX ix_vendor_subscriptions_vendor_id ON vendor_subscriptions (vendor_id);
CREATE INDEX ix_vendor_subscriptions_tier_id ON vendor_subscriptions (tier_id);
CREATE INDEX ix_vendor_subscriptions_tier ON vendor_subscriptions (tier);
