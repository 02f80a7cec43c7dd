-- The payments app's plan tables (seed 003), as its SQLAlchemy models create them on SQLite
-- (JSON columns are TEXT on SQLite). Constraints carry explicit names; only server_default=func.now()
-- timestamps have a database default (the model's default=... values are Python-side).
CREATE TABLE subscription_plans (
  id VARCHAR(50) NOT NULL,
  name VARCHAR(255) NOT NULL,
  description TEXT,
  price NUMERIC(10, 2) NOT NULL,
  currency VARCHAR(3) NOT NULL,
  billing_interval VARCHAR(20) NOT NULL,
  credits_per_period INTEGER NOT NULL,
  max_products_per_batch INTEGER NOT NULL,
  max_api_calls_per_day INTEGER NOT NULL,
  requests_per_minute INTEGER NOT NULL,
  requests_per_hour INTEGER NOT NULL,
  features JSON NOT NULL,
  lemon_squeezy_variant_id VARCHAR(255),
  lemon_squeezy_product_id VARCHAR(255),
  is_active BOOLEAN NOT NULL,
  sort_order INTEGER NOT NULL,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT pk_subscription_plans PRIMARY KEY (id),
  CONSTRAINT uq_subscription_plans_lemon_squeezy_variant_id UNIQUE (lemon_squeezy_variant_id),
  CONSTRAINT ck_subscription_plans_price_non_negative CHECK (price >= 0),
  CONSTRAINT ck_subscription_plans_credits_non_negative CHECK (credits_per_period >= 0)
);
CREATE INDEX ix_subscription_plans_is_active ON subscription_plans (is_active);

CREATE TABLE user_subscriptions (
  id VARCHAR(255) NOT NULL,
  user_id VARCHAR(255) NOT NULL,
  plan_id VARCHAR(50) NOT NULL,
  status VARCHAR(20) NOT NULL,
  current_period_start DATETIME NOT NULL,
  current_period_end DATETIME NOT NULL,
  cancel_at_period_end BOOLEAN NOT NULL,
  lemon_squeezy_subscription_id VARCHAR(255),
  lemon_squeezy_customer_id VARCHAR(255),
  trial_start DATETIME,
  trial_end DATETIME,
  metadata JSON NOT NULL,
  created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT pk_user_subscriptions PRIMARY KEY (id),
  CONSTRAINT uq_user_subscriptions_lemon_squeezy_subscription_id UNIQUE (lemon_squeezy_subscription_id),
  CONSTRAINT fk_user_subscriptions_plan_id_subscription_plans FOREIGN KEY (plan_id) REFERENCES subscription_plans (id)
);
CREATE INDEX ix_user_subscriptions_user_id ON user_subscriptions (user_id);
CREATE INDEX ix_user_subscriptions_status ON user_subscriptions (status);
