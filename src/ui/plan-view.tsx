import { Box, Text } from 'ink';
import { summaryLine } from '../plan/build-plan.js';
import type { Plan } from '../plan/plan-schema.js';
import { impactPlanLines } from '../render/impact-lines.js';
import { blockedLines, changeLines, driftLines, stripeLine, warningLines, type PlanLine } from '../render/plan-lines.js';
import { markTone, strong, tone, type Tone } from './theme.js';

/**
 * The plan for a person at a terminal. It reads the same marked lines as the text
 * and Markdown renderers, so only the presentation differs: colours per mark, and
 * boxes around what must not be missed (blocked changes, drift and warnings, an
 * unverified Stripe check).
 */
export function PlanView({ plan, color }: { plan: Plan; color: boolean }) {
  const empty = plan.changes.length === 0 && plan.blocked.length === 0;
  const blocked = blockedLines(plan);
  const notices = [...driftLines(plan), ...warningLines(plan)];
  const impact = impactPlanLines(plan);
  return (
    <Box flexDirection="column">
      {impact && <Notice title={impact.title} tint={impact.lines.some((l) => l.mark === '!') ? 'yellow' : 'cyan'} lines={impact.lines} color={color} />}
      {empty ? (
        <Text>No changes. The database matches the tier files.</Text>
      ) : (
        <Box flexDirection="column">
          <Text {...strong(color)}>tierctl will perform these actions:</Text>
          {plan.changes.map((change, i) => (
            <Box key={i} flexDirection="column" marginTop={1}>
              {changeLines(change).map((line, j) => (
                <MarkedLine key={j} line={line} color={color} indent={2} />
              ))}
            </Box>
          ))}
        </Box>
      )}
      {blocked.length > 0 && <Notice title="Blocked: this plan cannot be applied" tint="red" lines={blocked} color={color} />}
      {notices.length > 0 && <Notice title="Warnings" tint="yellow" lines={notices} color={color} />}
      <StripeStatus plan={plan} color={color} />
      <Text {...strong(color)}>{summaryLine(plan)}</Text>
    </Box>
  );
}

function MarkedLine({ line, color, indent, tint }: { line: PlanLine; color: boolean; indent: number; tint?: Tone }) {
  return (
    <Box paddingLeft={indent + line.depth * 4}>
      <Text {...tone(color, tint ?? markTone(line.mark))}>
        {line.mark} {line.text}
      </Text>
    </Box>
  );
}

function Notice({ title, tint, lines, color }: { title: string; tint: Tone; lines: PlanLine[]; color: boolean }) {
  return (
    <Box flexDirection="column" marginTop={1} borderStyle="round" {...(color ? { borderColor: tint } : {})} paddingX={1}>
      <Text {...strong(color)} {...tone(color, tint)}>
        {title}
      </Text>
      {lines.map((line, i) => (
        <MarkedLine key={i} line={line} color={color} indent={0} tint={tint} />
      ))}
    </Box>
  );
}

function StripeStatus({ plan, color }: { plan: Plan; color: boolean }) {
  if (plan.stripe.verified) {
    return (
      <Box marginTop={1}>
        <Text>{stripeLine(plan)}</Text>
      </Box>
    );
  }
  return (
    <Box marginTop={1} borderStyle="double" {...(color ? { borderColor: 'red' } : {})} paddingX={1}>
      <Text {...strong(color)} {...tone(color, 'red')}>
        {stripeLine(plan)}
      </Text>
    </Box>
  );
}
