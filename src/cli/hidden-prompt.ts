/**
 * @module
 * Reading a secret (a token, a password) typed at the terminal without echoing it, and
 * reading one line from a pipe for scripts.
 */
import { ValidationError } from '../domain/index.js';

/**
 * Shows `prompt` on stderr and reads one line from the terminal with echo off. `parameter`
 * names the input in errors: no terminal, Ctrl-C, nothing typed.
 */
export async function readHidden(prompt: string, parameter: string): Promise<string> {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) {
    throw new ValidationError(parameter, `No ${parameter} given, and no terminal to ask on.`);
  }
  // Echo off before the prompt shows: a secret pasted the moment it appears is not echoed.
  stdin.setRawMode(true);
  stderr.write(prompt);
  stdin.setEncoding('utf8');
  stdin.resume();
  const typed = await new Promise<string>((resolve, reject) => {
    let text = '';
    const finish = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(text.trim());
    };
    const onData = (chunk: string): void => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n' || character === '\u0004') return finish();
        if (character === '\u0003') {
          return finish(new ValidationError(parameter, `No ${parameter}: cancelled.`));
        }
        text = character === '\u007f' || character === '\b' ? text.slice(0, -1) : text + character;
      }
    };
    stdin.on('data', onData);
  });
  if (typed === '') throw new ValidationError(parameter, `No ${parameter} was typed.`);
  return typed;
}

/** The first line of standard input (for `--password-stdin`), without its line ending. */
export async function readFirstLine(parameter: string): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new ValidationError(parameter, `Standard input held no ${parameter}.`);
  return line;
}
