-- BatchTrack's tier tables (seeds 000-002), as its SQLAlchemy models create them on SQLite. Python-side
-- defaults (default=...) are not in the DDL, so NOT NULL columns have no database default.
-- Constraints carry explicit names (seed 001: batch-mode migrations need them).
CREATE TABLE permission (
  id INTEGER NOT NULL,
  name VARCHAR(128) NOT NULL,
  description VARCHAR(255),
  CONSTRAINT pk_permission PRIMARY KEY (id),
  CONSTRAINT uq_permission_name UNIQUE (name)
);

CREATE TABLE subscription_tier (
  id INTEGER NOT NULL,
  name VARCHAR(64) NOT NULL,
  "key" VARCHAR(32) NOT NULL,
  description TEXT,
  user_limit INTEGER NOT NULL,
  is_customer_facing BOOLEAN NOT NULL,
  billing_provider VARCHAR(32) NOT NULL,
  is_billing_exempt BOOLEAN NOT NULL,
  stripe_lookup_key VARCHAR(128),
  whop_product_key VARCHAR(128),
  fallback_price VARCHAR(32),
  created_at DATETIME,
  updated_at DATETIME,
  CONSTRAINT pk_subscription_tier PRIMARY KEY (id),
  CONSTRAINT uq_subscription_tier_key UNIQUE ("key"),
  CONSTRAINT uq_subscription_tier_stripe_lookup_key UNIQUE (stripe_lookup_key),
  CONSTRAINT uq_subscription_tier_whop_product_key UNIQUE (whop_product_key)
);
CREATE INDEX ix_subscription_tier_is_billing_exempt ON subscription_tier (is_billing_exempt);

CREATE TABLE subscription_tier_permission (
  tier_id INTEGER NOT NULL,
  permission_id INTEGER NOT NULL,
  CONSTRAINT pk_subscription_tier_permission PRIMARY KEY (tier_id, permission_id),
  CONSTRAINT fk_subscription_tier_permission_tier_id_subscription_tier FOREIGN KEY (tier_id) REFERENCES subscription_tier (id),
  CONSTRAINT fk_subscription_tier_permission_permission_id_permission FOREIGN KEY (permission_id) REFERENCES permission (id)
);

CREATE TABLE organization (
  id INTEGER NOT NULL,
  name VARCHAR(128) NOT NULL,
  subscription_tier_id INTEGER,
  created_at DATETIME,
  CONSTRAINT pk_organization PRIMARY KEY (id),
  CONSTRAINT fk_organization_subscription_tier_id_subscription_tier FOREIGN KEY (subscription_tier_id) REFERENCES subscription_tier (id)
);
