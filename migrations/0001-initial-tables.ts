import { types, type Migration } from './migration-context.js';

/**
 * tierctl's own tables. Every constraint and index is named (pk_, uq_, fk_, ck_, ix_):
 * SQLite changes a constrained column by rebuilding the table, and a rebuild can
 * only keep constraints it can name (the "Constraint must have a name" failure).
 * Table and constraint names go through `table()`, which adds the configured prefix
 * (empty by default: the 0.1.0 names).
 */
export const migration: Migration = {
  name: '0001-initial-tables',
  async up({ dialect, run, table, tierTables }) {
    const t = types(dialect);
    const n = table;
    if (tierTables) await createTierTables(run, n, t);
    await run(`CREATE TABLE ${n('reconcile_run')} (
      id ${t.id} NOT NULL,
      started_at ${t.timestamp} NOT NULL,
      finished_at ${t.timestamp} NULL,
      tool_version VARCHAR(32) NOT NULL,
      base_fingerprint VARCHAR(71) NOT NULL,
      result_fingerprint VARCHAR(71) NULL,
      plan_fingerprint VARCHAR(71) NOT NULL,
      actor VARCHAR(128) NULL,
      git_sha VARCHAR(64) NULL,
      changes ${t.json} NOT NULL,
      result_state ${t.json} NULL,
      status VARCHAR(16) NOT NULL,
      CONSTRAINT pk_${n('reconcile_run')} PRIMARY KEY (id),
      CONSTRAINT ck_${n('reconcile_run')}_status CHECK (status IN ('applied', 'no-op', 'failed'))
    )`);
    await run(`CREATE INDEX ix_${n('reconcile_run')}_finished_at ON ${n('reconcile_run')} (finished_at)`);
  },
  async down({ run, table, tierTables }) {
    const names = tierTables ? ['reconcile_run', 'tier_billing_key', 'tier_limit', 'subscription_tier_permission', 'permission', 'subscription_tier'] : ['reconcile_run'];
    for (const name of names) {
      await run(`DROP TABLE ${table(name)}`);
    }
  },
};

/** tierctl's own tier tables; not made when an app's own tables hold the tiers (catalog.yaml storage:). */
async function createTierTables(run: (sql: string) => Promise<void>, n: (name: string) => string, t: ReturnType<typeof types>): Promise<void> {
    await run(`CREATE TABLE ${n('subscription_tier')} (
      id ${t.id} NOT NULL,
      "key" VARCHAR(32) NOT NULL,
      name VARCHAR(128) NOT NULL,
      description TEXT NULL,
      customer_facing ${t.boolean} NOT NULL DEFAULT TRUE,
      display_order INTEGER NOT NULL DEFAULT 0,
      status VARCHAR(16) NOT NULL DEFAULT 'active',
      protected ${t.boolean} NOT NULL DEFAULT FALSE,
      billing_provider VARCHAR(16) NOT NULL,
      fallback_price VARCHAR(32) NULL,
      created_at ${t.timestamp} NOT NULL,
      updated_at ${t.timestamp} NOT NULL,
      CONSTRAINT pk_${n('subscription_tier')} PRIMARY KEY (id),
      CONSTRAINT uq_${n('subscription_tier')}_key UNIQUE ("key"),
      CONSTRAINT ck_${n('subscription_tier')}_status CHECK (status IN ('active', 'retired')),
      CONSTRAINT ck_${n('subscription_tier')}_billing_provider CHECK (billing_provider IN ('stripe', 'whop', 'exempt'))
    )`);
    await run(`CREATE TABLE ${n('permission')} (
      id ${t.id} NOT NULL,
      name VARCHAR(64) NOT NULL,
      description TEXT NOT NULL DEFAULT '',
      CONSTRAINT pk_${n('permission')} PRIMARY KEY (id),
      CONSTRAINT uq_${n('permission')}_name UNIQUE (name)
    )`);
    await run(`CREATE TABLE ${n('subscription_tier_permission')} (
      tier_id INTEGER NOT NULL,
      permission_id INTEGER NOT NULL,
      CONSTRAINT pk_${n('subscription_tier_permission')} PRIMARY KEY (tier_id, permission_id),
      CONSTRAINT fk_${n('subscription_tier_permission')}_tier FOREIGN KEY (tier_id) REFERENCES ${n('subscription_tier')} (id) ON DELETE CASCADE,
      CONSTRAINT fk_${n('subscription_tier_permission')}_permission FOREIGN KEY (permission_id) REFERENCES ${n('permission')} (id)
    )`);
    await run(`CREATE INDEX ix_${n('subscription_tier_permission')}_permission_id ON ${n('subscription_tier_permission')} (permission_id)`);
    await run(`CREATE TABLE ${n('tier_limit')} (
      tier_id INTEGER NOT NULL,
      limit_key VARCHAR(64) NOT NULL,
      value INTEGER NULL,
      CONSTRAINT pk_${n('tier_limit')} PRIMARY KEY (tier_id, limit_key),
      CONSTRAINT fk_${n('tier_limit')}_tier FOREIGN KEY (tier_id) REFERENCES ${n('subscription_tier')} (id) ON DELETE CASCADE,
      CONSTRAINT ck_${n('tier_limit')}_value CHECK (value IS NULL OR value >= 0)
    )`);
    await run(`CREATE TABLE ${n('tier_billing_key')} (
      tier_id INTEGER NOT NULL,
      provider VARCHAR(16) NOT NULL,
      "key" VARCHAR(200) NOT NULL,
      CONSTRAINT pk_${n('tier_billing_key')} PRIMARY KEY (tier_id, provider, "key"),
      CONSTRAINT uq_${n('tier_billing_key')}_provider_key UNIQUE (provider, "key"),
      CONSTRAINT fk_${n('tier_billing_key')}_tier FOREIGN KEY (tier_id) REFERENCES ${n('subscription_tier')} (id) ON DELETE CASCADE
    )`);
}
