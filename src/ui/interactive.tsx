import { render, renderToString, type RenderOptions } from 'ink';
import type { Plan } from '../plan/plan-schema.js';
import { COLOR, PLAIN } from '../render/style.js';
import { renderText } from '../render/text.js';
import { ConfirmPrompt } from './confirm-prompt.js';
import { PlanView } from './plan-view.js';
import { ProgressView, type ProgressState } from './progress-view.js';

/**
 * The one module the commands use for the interactive view (cli-kit style: no
 * command imports Ink or React). Commands load it with a dynamic import only when a
 * person is at a terminal, so plain-text runs never pay for Ink.
 */
export interface Terminal {
  stdin: NodeJS.ReadStream;
  /** Where the live views (prompt, progress) draw: stderr, keeping stdout for the plan. */
  live: NodeJS.WriteStream;
  /** Writes the plan through the command's own (redacting) output. */
  write(text: string): void;
  columns: number;
  color: boolean;
}

export interface Progress {
  step(label: string): void;
  /** Ticks the last step and shows the message; resolves once the final frame is drawn. */
  done(message?: string): Promise<void>;
  /** Marks the last step as failed; the error itself is reported by the top-level catch. */
  fail(message?: string): Promise<void>;
}

export interface InteractiveUi {
  showPlan(plan: Plan): void;
  confirmApply(plan: Plan): Promise<boolean>;
  startProgress(): Progress;
  /**
   * From now until the prompt is drawn, keys typed at the terminal are read and thrown
   * away, so input typed ahead (a "yes" and Enter while the plan was being computed)
   * can never answer a prompt the person has not seen. Returns the release, for the
   * paths that end without a prompt.
   */
  discardTypeahead(): () => void;
}

/**
 * Above this many changes the plan is printed by the plain-text renderer (same lines,
 * same colours) instead of laid out by Ink: Yoga lays out every box of the tree, which
 * took 15.8 s for 8,000 tiers against 2.4 s for the text.
 */
export const LARGE_PLAN_CHANGES = 200;

export function createInteractiveUi(term: Terminal): InteractiveUi {
  const live: RenderOptions = { stdout: term.live, stderr: term.live, stdin: term.stdin, exitOnCtrlC: false, patchConsole: false };
  let typeahead: { stop(): Promise<void>; release(): void } | undefined;
  return {
    // Rendered once to a string rather than as a live region: a long plan then scrolls
    // like any output instead of being redrawn (and cut) by Ink's frame updates.
    showPlan(plan) {
      if (plan.changes.length + plan.blocked.length > LARGE_PLAN_CHANGES) term.write(renderText(plan, term.color ? COLOR : PLAIN));
      else term.write(`${renderToString(<PlanView plan={plan} color={term.color} />, { columns: term.columns })}\n`);
    },

    discardTypeahead() {
      typeahead?.release();
      typeahead = discardInput(term.stdin);
      return typeahead.release;
    },

    // The plan was just shown (ending with its summary line), so the prompt stays short.
    async confirmApply(_plan) {
      // Whatever was typed before this point was typed before the prompt existed.
      await typeahead?.stop();
      typeahead = undefined;
      let approved = false;
      const app = render(<ConfirmPrompt color={term.color} onAnswer={(a) => (approved = a)} />, live);
      // Input closed before an answer (terminal gone): that is not a yes. Nor is a
      // Ctrl-C that arrives as SIGINT because the terminal was not in raw mode yet.
      const onEnd = () => app.unmount();
      term.stdin.once('end', onEnd);
      process.once('SIGINT', onEnd);
      try {
        await app.waitUntilExit();
      } finally {
        term.stdin.off('end', onEnd);
        process.off('SIGINT', onEnd);
      }
      return approved;
    },

    startProgress() {
      let state: ProgressState = { steps: [] };
      const app = render(<ProgressView state={state} color={term.color} />, live);
      const update = (next: ProgressState) => {
        state = next;
        app.rerender(<ProgressView state={state} color={term.color} />);
      };
      const finish = async (ok: boolean, message?: string) => {
        if (state.result) return;
        update({ ...state, result: message === undefined ? { ok } : { ok, message } });
        app.unmount();
        await app.waitUntilExit();
      };
      return {
        step: (label) => {
          if (!state.result) update({ ...state, steps: [...state.steps, label] });
        },
        done: (message) => finish(true, message),
        fail: (message) => finish(false, message),
      };
    },
  };
}

/**
 * Reads and drops terminal input (raw mode: every key, echo off) until stopped. A
 * Ctrl-C among the dropped keys still interrupts, as it would in cooked mode.
 */
function discardInput(stdin: NodeJS.ReadStream): { stop(): Promise<void>; release(): void } {
  if (!stdin.isTTY) return { stop: async () => undefined, release: () => undefined };
  const drop = (chunk: Buffer | string) => {
    if (String(chunk).includes('\u0003')) process.kill(process.pid, 'SIGINT');
  };
  stdin.setRawMode(true);
  stdin.on('data', drop);
  let active = true;
  const detach = () => {
    if (!active) return false;
    active = false;
    stdin.off('data', drop);
    return true;
  };
  return {
    // Keys already in the terminal's buffer are read in the event loop's poll phase;
    // two turns of it let them arrive (and be dropped) before the prompt listens.
    // Raw mode stays on and the stream is not paused: the prompt takes it over as it
    // is (Ink's input stopped working on a stream paused here), and Ink restores the
    // terminal when it unmounts.
    async stop() {
      for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
      detach();
    },
    // No prompt follows: give the terminal back, and stop reading so the process can exit.
    release() {
      if (!detach()) return;
      stdin.setRawMode(false);
      stdin.pause();
    },
  };
}
