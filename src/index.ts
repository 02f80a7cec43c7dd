/**
 * The package entry for applications: a read-only view of the tiers tierctl applied.
 * The CLI lives behind bin/tierctl.js; nothing here can write to the database.
 */
export { openCatalog, type OpenCatalogOptions, type TierCatalog } from './runtime/open-catalog.js';
export { CatalogLookupError, type BillingProvider, type CatalogNames, type PlatformOption, type RuntimeLimits, type RuntimeTier, type TierFilter } from './runtime/public-types.js';
export { TierctlError } from './errors.js';
