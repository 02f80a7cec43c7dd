import { render, renderToString, type RenderOptions } from 'ink';
import type { Plan } from '../plan/plan-schema.js';
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
}

export function createInteractiveUi(term: Terminal): InteractiveUi {
  const live: RenderOptions = { stdout: term.live, stderr: term.live, stdin: term.stdin, exitOnCtrlC: false, patchConsole: false };
  return {
    // Rendered once to a string rather than as a live region: a long plan then scrolls
    // like any output instead of being redrawn (and cut) by Ink's frame updates.
    showPlan(plan) {
      term.write(`${renderToString(<PlanView plan={plan} color={term.color} />, { columns: term.columns })}\n`);
    },

    // The plan was just shown (ending with its summary line), so the prompt stays short.
    async confirmApply(_plan) {
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
