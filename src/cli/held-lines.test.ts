import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HeldLines } from './held-lines.js';

function recorder(): { writes: string[]; write(text: string): void } {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text) };
}

describe('HeldLines', () => {
  it('writes the lines of one turn together, in order, once the turn is over', async () => {
    const target = recorder();
    const lines = new HeldLines(target);
    lines.write('{"event":"start"}\n');
    lines.write('{"event":"file-done","path":"a"}\n');
    expect(target.writes).toEqual([]);
    await nextTurn();
    expect(target.writes).toEqual(['{"event":"start"}\n{"event":"file-done","path":"a"}\n']);
    lines.write('done b\n');
    await nextTurn();
    expect(target.writes).toEqual([
      '{"event":"start"}\n{"event":"file-done","path":"a"}\n',
      'done b\n',
    ]);
  });

  it('writes what it holds at flush, and nothing when it holds nothing', async () => {
    const target = recorder();
    const lines = new HeldLines(target);
    lines.flush();
    lines.write('one\n');
    lines.write('two\n');
    lines.flush();
    expect(target.writes).toEqual(['one\ntwo\n']);
    await nextTurn();
    lines.flush();
    expect(target.writes).toEqual(['one\ntwo\n']);
  });
});
