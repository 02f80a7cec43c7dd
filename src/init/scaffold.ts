import { BugError } from '../errors.js';

/**
 * What `tierctl init` writes, as file path (relative to the repository root) -> text.
 * Pure: the command reads the workflow templates and decides the schema location.
 * The workflows are the package's templates/workflows files, the only copy (tested
 * there by tests/unit/workflows.test.ts and the workflow runs), and not in this
 * repository's .github/workflows, where they would run against the reference tiers.
 */
export const WORKFLOW_TEMPLATES = ['tiers-plan.yml', 'tiers-apply.yml'] as const;
export type WorkflowTemplates = Record<(typeof WORKFLOW_TEMPLATES)[number], string>;

export interface ScaffoldInput {
  /** The tier directory, relative to the repository root, with forward slashes. */
  dir: string;
  /** Where the JSON Schemas are, relative to the tier directory (for the yaml-language-server line). */
  schemaDir: string;
  /** Absent: `init --no-workflows`. */
  workflows?: WorkflowTemplates;
}

export const EXAMPLE_TIER_FILE = 'starter.yaml';

export function scaffoldFiles(input: ScaffoldInput): Record<string, string> {
  const files: Record<string, string> = {
    [`${input.dir}/catalog.yaml`]: catalogYaml(input.schemaDir),
    [`${input.dir}/${EXAMPLE_TIER_FILE}`]: exampleTierYaml(input.schemaDir),
  };
  for (const [name, text] of Object.entries(input.workflows ?? {})) files[`.github/workflows/${name}`] = retargetWorkflow(name, text, input.dir);
  return files;
}

/** Points a workflow template at another tier directory: its TIERS_DIR line and its paths filter. */
export function retargetWorkflow(name: string, text: string, dir: string): string {
  if (dir === 'tiers') return text;
  const swaps: [RegExp, string][] = [
    [/^(\s+TIERS_DIR: )tiers$/m, `$1${dir}`],
    [/^(\s+- )'tiers\/\*\*'$/m, `$1'${dir}/**'`],
  ];
  let out = text;
  for (const [pattern, replacement] of swaps) {
    const next = out.replace(pattern, replacement);
    // The template changed shape: fail loudly rather than write a workflow watching the wrong folder.
    if (next === out) throw new BugError(`workflow template ${name} has no line matching ${pattern}`);
    out = next;
  }
  return out;
}

function catalogYaml(schemaDir: string): string {
  return `# yaml-language-server: $schema=${schemaDir}/catalog.schema.json
# The vocabulary every tier draws from: a tier may only grant permissions and set
# limits declared here, and \`tierctl validate\` points at any that are not.
permissions:
  projects.create: Create projects
  reports.export: Export reports
limits:
  seats: { description: Members of the organization }
  projects: { description: Active projects }
# Where your application records which tier an organization is on; with it, tierctl
# refuses to delete a tier that still has subscribers. Name your table and column:
# subscribers:
#   table: organization
#   column: subscription_tier_id
`;
}

function exampleTierYaml(schemaDir: string): string {
  return `# yaml-language-server: $schema=${schemaDir}/tier.schema.json
# One file per tier. The key is the tier's stable id; to rename it later, add
# renamed_from: [old_key] so the plan keeps the row (and its subscribers).
key: starter
name: Starter
description: For small teams getting started.
customer_facing: true
display_order: 10
status: active                     # retired: kept for existing subscribers, no new signups
billing:
  provider: stripe                 # stripe | whop | exempt
  lookup_keys: [starter_monthly]   # Stripe Price lookup keys; tierctl plan verifies them
  fallback_price: "$9/mo"          # display only: never charged, never a price source
limits: { seats: 3, projects: null }   # null = unlimited
permissions: [projects.create]
`;
}
