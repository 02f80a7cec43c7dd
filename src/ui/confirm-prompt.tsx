import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { strong, tone } from './theme.js';

/** What a chunk of keyboard input does to the typed answer. Pure, so pasted or fast input works. */
export type Typed = { kind: 'typing'; buffer: string } | { kind: 'submitted'; answer: string } | { kind: 'cancelled' };

export function typeInto(buffer: string, input: string): Typed {
  let b = buffer;
  // A terminal may deliver several keys in one chunk ("yes\r" when typed fast or pasted).
  for (const ch of input) {
    if (ch === '\r' || ch === '\n') return { kind: 'submitted', answer: b };
    if (ch === '\u0003' || ch === '\u001b') return { kind: 'cancelled' };
    if (ch === '\u007f' || ch === '\b') b = b.slice(0, -1);
    else if (ch >= ' ') b += ch;
  }
  return { kind: 'typing', buffer: b };
}

/** Only the exact word proceeds, as Terraform does: a stray Enter or "y" must not apply. */
export const isApproval = (answer: string): boolean => answer.trim() === 'yes';

/**
 * Asks to apply: type `yes` and Enter. Anything else, Esc or Ctrl-C cancels. The app
 * runs with exitOnCtrlC off, so Ctrl-C arrives here as a key and cancels cleanly
 * instead of killing the process mid-prompt.
 */
export function ConfirmPrompt({ color, onAnswer }: { color: boolean; onAnswer: (approved: boolean) => void }) {
  const { exit } = useApp();
  const buffer = useRef('');
  const [typed, setTyped] = useState('');
  const [decided, setDecided] = useState<boolean | undefined>(undefined);

  // Exit only after the answer has been drawn, so the terminal keeps what was typed.
  useEffect(() => {
    if (decided === undefined) return;
    onAnswer(decided);
    exit();
  }, [decided]);

  const decide = (approved: boolean, answer: string) => {
    buffer.current = answer;
    setTyped(answer);
    setDecided(approved);
  };

  useInput(
    (input, key) => {
      if (key.escape || (key.ctrl && input === 'c')) return decide(false, buffer.current);
      if (key.return) return decide(isApproval(buffer.current), buffer.current);
      if (key.backspace || key.delete) {
        buffer.current = buffer.current.slice(0, -1);
        return setTyped(buffer.current);
      }
      if (key.ctrl || key.meta) return;
      const next = typeInto(buffer.current, input);
      if (next.kind === 'submitted') return decide(isApproval(next.answer), next.answer);
      if (next.kind === 'cancelled') return decide(false, buffer.current);
      buffer.current = next.buffer;
      setTyped(next.buffer);
    },
    { isActive: decided === undefined },
  );

  return (
    <Box flexDirection="column" marginTop={1}>
      <Text>
        Do you want to apply these changes? Type <Text {...strong(color)}>yes</Text> and press Enter to apply; anything else cancels.
      </Text>
      <Text>
        <Text {...tone(color, 'cyan')}>{'› '}</Text>
        {typed}
        {decided === undefined ? <Text inverse> </Text> : null}
      </Text>
      {decided === true ? <Text {...tone(color, 'green')}>Confirmed.</Text> : null}
      {decided === false ? <Text {...tone(color, 'yellow')}>Cancelled.</Text> : null}
    </Box>
  );
}
