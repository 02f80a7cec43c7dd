import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { strong, tone } from './theme.js';

export interface ProgressState {
  /** Steps in the order they started; every step but the last is finished. */
  steps: string[];
  /** Set once: the run ended. A failure marks the step it happened in. */
  result?: { ok: boolean; message?: string };
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A step list: finished steps ticked, the running one spinning, then the result. */
export function ProgressView({ state, color }: { state: ProgressState; color: boolean }) {
  const { steps, result } = state;
  return (
    <Box flexDirection="column">
      {steps.map((step, i) => {
        const last = i === steps.length - 1;
        if (!last || (result && result.ok)) {
          return (
            <Text key={i}>
              <Text {...tone(color, 'green')}>✔</Text> {step}
            </Text>
          );
        }
        if (result) {
          return (
            <Text key={i}>
              <Text {...tone(color, 'red')}>✖</Text> {step}
            </Text>
          );
        }
        return (
          <Text key={i}>
            <Spinner color={color} /> {step}…
          </Text>
        );
      })}
      {result?.message ? (
        <Text {...strong(color)} {...tone(color, result.ok ? 'green' : 'red')}>
          {result.message}
        </Text>
      ) : null}
    </Box>
  );
}

function Spinner({ color }: { color: boolean }) {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((f) => (f + 1) % FRAMES.length), 80);
    return () => clearInterval(timer);
  }, []);
  return <Text {...tone(color, 'cyan')}>{FRAMES[frame]}</Text>;
}
