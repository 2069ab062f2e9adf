import type { ReadStream } from 'node:tty';
import { CliFailure } from './cliErrors.ts';

/** Asks the person at the terminal (or reads piped stdin, one line per question). */
export interface Prompter {
  /** The answer without its line ending; null when the input has ended. */
  ask(question: string, options?: { hidden?: boolean }): Promise<string | null>;
  close(): void;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACES = new Set(['\u007f', '\b']);

/**
 * Questions go to stderr so stdout stays clean for what a command prints. On a terminal the input
 * is read in raw mode and a hidden answer is never echoed (a password must not sit in the
 * terminal's scrollback); from a pipe each answer is the next line, as in
 * `printf 'password\n123456\n' | gatehouse login --email me@example.com`.
 */
export function stdinPrompter(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Prompter {
  const tty = input.isTTY === true;
  let buffer = '';
  let ended = false;
  let started = false;
  let closed = false;
  let wake: (() => void) | null = null;
  const onData = (chunk: string): void => {
    buffer += chunk;
    wake?.();
  };
  const onEnd = (): void => {
    ended = true;
    wake?.();
  };

  function start(): void {
    if (started) return;
    started = true;
    input.setEncoding('utf8');
    if (tty) (input as ReadStream).setRawMode(true);
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  }

  const more = (): Promise<void> => new Promise((resolve) => (wake = () => ((wake = null), resolve())));

  async function readPipedLine(): Promise<string | null> {
    for (;;) {
      const newline = buffer.indexOf('\n');
      if (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        return line.replace(/\r$/, '');
      }
      if (ended) {
        if (buffer === '') return null;
        const line = buffer;
        buffer = '';
        return line;
      }
      await more();
    }
  }

  async function readTerminalLine(hidden: boolean): Promise<string | null> {
    let line = '';
    for (;;) {
      while (buffer.length > 0) {
        const char = buffer[0] as string;
        buffer = buffer.slice(1);
        if (char === '\r' || char === '\n') {
          output.write('\n');
          return line;
        }
        if (char === CTRL_C) {
          output.write('\n');
          throw new CliFailure('cancelled');
        }
        if (char === CTRL_D && line === '') {
          output.write('\n');
          return null;
        }
        if (BACKSPACES.has(char)) {
          if (line.length > 0) {
            line = line.slice(0, -1);
            if (!hidden) output.write('\b \b');
          }
          continue;
        }
        if (char < ' ') continue; // other control keys (arrows arrive as ESC sequences) are ignored
        line += char;
        if (!hidden) output.write(char);
      }
      if (ended) return line === '' ? null : line;
      await more();
    }
  }

  return {
    async ask(question, options = {}) {
      start();
      output.write(question);
      if (tty) return readTerminalLine(options.hidden === true);
      const answer = await readPipedLine();
      output.write('\n'); // the answer itself is never echoed
      return answer;
    },
    close() {
      if (!started || closed) return;
      closed = true;
      if (tty) (input as ReadStream).setRawMode(false);
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
    },
  };
}
