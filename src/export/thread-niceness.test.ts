/**
 * @module
 * Threads of this process read from Linux's /proc as `top -H` shows them, and libvips's
 * threads lowered by their name while every other thread keeps its nice value.
 */
import { getPriority } from 'node:os';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { LIBVIPS_THREAD_NAME, lowerThreadsNamed, threadsOfProcess } from './thread-niceness.js';

const onLinux = process.platform === 'linux';

it.runIf(onLinux)('lists the threads of this process with their nice values', () => {
  const threads = threadsOfProcess();
  const own = threads.find((thread) => thread.tid === process.pid);
  expect(own?.niceness).toBe(getPriority());
  for (const thread of threads) expect(getPriority(thread.tid)).toBe(thread.niceness);
});

it.runIf(onLinux)("lowers libvips's threads by their name, and only them", async () => {
  // Scaling an image starts libvips's threads, from libuv's pool threads, at their nice value.
  const pixels = Buffer.alloc(512 * 512 * 3, 128);
  await sharp(pixels, { raw: { width: 512, height: 512, channels: 3 } })
    .resize(100)
    .jpeg()
    .toBuffer();
  const before = threadsOfProcess();
  const others = before.filter((thread) => thread.name !== LIBVIPS_THREAD_NAME);
  const images = before.filter((thread) => thread.name === LIBVIPS_THREAD_NAME);
  expect(images.length).toBeGreaterThan(0);
  const above = images.filter((thread) => thread.niceness < 19).length;

  expect(lowerThreadsNamed(LIBVIPS_THREAD_NAME, 19)).toBe(above);
  const after = threadsOfProcess();
  for (const thread of after.filter(({ name }) => name === LIBVIPS_THREAD_NAME)) {
    expect(thread.niceness).toBe(19);
  }
  for (const thread of others) {
    const now = after.find(({ tid }) => tid === thread.tid);
    if (now) expect(now.niceness).toBe(thread.niceness);
  }
  expect(lowerThreadsNamed(LIBVIPS_THREAD_NAME, 19)).toBe(0);
});

it('answers no threads and lowers none for a name no thread has', () => {
  expect(lowerThreadsNamed('no such thread', 19)).toBe(0);
});
