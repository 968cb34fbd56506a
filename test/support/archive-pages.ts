/**
 * @module
 * What a person opening an unzipped archive in a browser would notice, measured in headless
 * Chromium on its `file://` pages: console errors, requests that failed, images that did not
 * load, links, the ids that anchors can point at, the page's width at a phone's 360 px, the
 * accessibility rules of axe-core, and which way a piece of text is drawn on screen. Pages are
 * found by walking the extracted folder and following links, never by their names, so the
 * checks hold whatever the renderers call their pages.
 */
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

/** What loading one page showed, for the caller to judge against the whole archive. */
export interface PageVisit {
  /** Path of the page relative to the archive folder, with `/`. */
  readonly page: string;
  /** Console errors, uncaught errors and failed requests, in words. */
  readonly errors: readonly string[];
  /** Every `<img>`: its resolved source and whether it decoded to a picture. */
  readonly images: readonly { readonly src: string; readonly isLoaded: boolean }[];
  /** Every `<a href>`, resolved against the page. */
  readonly links: readonly string[];
  /** Every `id` (and `<a name>`) on the page: what `#fragment` links can reach. */
  readonly anchors: readonly string[];
  /** The text the page shows, as the browser lays it out in lines (`innerText`). */
  readonly shownText: string;
  /** `document.documentElement.scrollWidth`, in CSS pixels. */
  readonly scrollWidth: number;
}

/** Every `.html` file under `folder`, relative to it with `/`, sorted. */
export async function htmlFilesUnder(folder: string): Promise<string[]> {
  const found = await readdir(folder, { recursive: true, withFileTypes: true });
  return found
    .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
    .map((file) => file.split(path.sep).join('/'))
    .sort();
}

/**
 * Opens `page` (relative to `folder`) in a fresh tab of `context`, the way a person would, and
 * reports what it showed. Lazy images are asked for at once, so that every image of a long
 * page is loaded and judged, not only those in view.
 */
export async function visitPage(
  context: BrowserContext,
  folder: string,
  page: string,
): Promise<PageVisit> {
  const tab = await context.newPage();
  const errors: string[] = [];
  tab.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
  tab.on('pageerror', (error) => errors.push(`uncaught error: ${error.message}`));
  tab.on('requestfailed', (request) =>
    errors.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`),
  );
  try {
    await tab.goto(pathToFileURL(path.join(folder, page)).href, { waitUntil: 'load' });
    const seen = await tab.evaluate(async () => {
      const { document } = globalThis as unknown as PageGlobals;
      const images = [...document.images];
      for (const image of images) image.loading = 'eager';
      await Promise.all(
        images.map((image) =>
          image.complete
            ? Promise.resolve()
            : new Promise<void>((settle) => {
                image.addEventListener('load', () => settle());
                image.addEventListener('error', () => settle());
              }),
        ),
      );
      return {
        images: images.map((image) => ({
          src: image.currentSrc || image.src,
          isLoaded: image.complete && image.naturalWidth > 0,
        })),
        links: [...document.querySelectorAll('a[href]')].map((a) => a.href ?? ''),
        anchors: [...document.querySelectorAll('[id], a[name]')].map(
          (element) => element.id || (element.getAttribute('name') ?? ''),
        ),
        shownText: document.body.innerText,
        scrollWidth: document.documentElement.scrollWidth,
      };
    });
    return { page, errors, ...seen };
  } finally {
    await tab.close();
  }
}

/**
 * What is wrong with the links of the visited pages: a link to a local file that is not one of
 * the archive's `files` (relative to `folder`), or to a `#fragment` its page does not have.
 * Links to the web (`http:`, `https:`, `mailto:`) leave the archive on purpose and are not
 * followed.
 */
export function brokenLinks(
  folder: string,
  files: ReadonlySet<string>,
  visits: readonly PageVisit[],
): string[] {
  const anchorsByPage = new Map(visits.map((visit) => [visit.page, new Set(visit.anchors)]));
  const problems: string[] = [];
  for (const visit of visits) {
    for (const href of visit.links) {
      const url = new URL(href);
      if (['http:', 'https:', 'mailto:'].includes(url.protocol)) continue;
      const target = url.protocol === 'file:' ? archivePath(folder, url) : undefined;
      const fragment = decodeURIComponent(url.hash.slice(1));
      if (target === undefined || !files.has(target)) {
        problems.push(`${visit.page}: ${href} is not a file of the archive`);
      } else if (fragment !== '' && !anchorsByPage.get(target)?.has(fragment)) {
        problems.push(`${visit.page}: ${href} points at #${fragment}, which ${target} lacks`);
      }
    }
  }
  return problems;
}

/** A `file:` URL as a path relative to `folder` with `/` (fragment dropped). */
export function archivePath(folder: string, url: URL): string {
  return path.relative(folder, fileURLToPath(url)).split(path.sep).join('/');
}

/**
 * The pages reachable from `start` by following links between the visited pages (fragments
 * dropped), relative to `folder`.
 */
export function reachablePages(
  folder: string,
  visits: readonly PageVisit[],
  start: string,
): Set<string> {
  const byPage = new Map(visits.map((visit) => [visit.page, visit]));
  const reached = new Set<string>([start]);
  const queue = [start];
  for (let page = queue.shift(); page !== undefined; page = queue.shift()) {
    for (const href of byPage.get(page)?.links ?? []) {
      const url = new URL(href);
      if (url.protocol !== 'file:') continue;
      const target = archivePath(folder, url);
      if (byPage.has(target) && !reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  return reached;
}

const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The part of an axe-core violation the report shows. */
interface AxeResult {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly {
    readonly target: readonly unknown[];
    readonly failureSummary?: string;
  }[];
}

/** One axe-core rule an open page breaks. */
export interface AxeViolation {
  /** The rule's id, e.g. `color-contrast`. */
  readonly rule: string;
  /** Rule, impact, what it asks, and every element with what is wrong with it, in lines. */
  readonly report: string;
}

/**
 * axe-core's violations on an open page, with all of its default rules (WCAG A and AA, and
 * best practices); [] when there are none. The page's context must bypass its Content
 * Security Policy (`bypassCSP`), which forbids every script, axe-core's included.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE_SCRIPT });
  const violations = await page.evaluate(async () => {
    const { axe } = globalThis as unknown as PageGlobals;
    return (await axe.run()).violations;
  });
  return (violations as AxeResult[]).map((violation) => ({
    rule: violation.id,
    report:
      `${violation.id} (${violation.impact ?? 'no impact'}): ${violation.help}\n` +
      violation.nodes
        .map(
          (node) =>
            `  at ${node.target.map(String).join(' ')}\n    ${(node.failureSummary ?? '').replace(/\n/g, '\n    ')}`,
        )
        .join('\n'),
  }));
}

/** Where `marker` and the text after its isolating element are drawn, read off the screen. */
export interface TextDirection {
  /** Tag name of the nearest `<bdi>` or `[dir=auto]` around the marker; undefined if none. */
  readonly isolatedBy: string | undefined;
  /** Left edges of the marker's characters, in order, in CSS pixels. */
  readonly markerLefts: readonly number[];
  /** The first run of 4 letters or digits after the isolating element (or the marker's text). */
  readonly nextText: string;
  /** Left edges of the characters of `nextText`, in order. */
  readonly nextLefts: readonly number[];
}

/**
 * How the page draws the text node holding `marker`, and the first word after it outside its
 * isolating element: each character's left edge, so that the caller can tell left-to-right
 * (rising) from right-to-left (falling). Throws when the page does not show `marker`.
 */
export async function textDirection(page: Page, marker: string): Promise<TextDirection> {
  return page.evaluate((marker) => {
    const { document } = globalThis as unknown as PageGlobals;
    const lefts = (node: PageText, start: number, count: number): number[] =>
      Array.from({ length: count }, (_, i) => {
        const range = document.createRange();
        range.setStart(node, start + i);
        range.setEnd(node, start + i + 1);
        return range.getBoundingClientRect().left;
      });
    const walker = document.createTreeWalker(document.body, 4 /* NodeFilter.SHOW_TEXT */);
    let holder: PageText | undefined;
    while (walker.nextNode()) {
      const node = walker.currentNode as PageText;
      if (node.data.includes(marker)) {
        holder = node;
        break;
      }
    }
    if (!holder?.parentElement) throw new Error(`the page does not show ${marker}`);
    const isolate = holder.parentElement.closest('bdi, [dir="auto"]') ?? undefined;
    const boundary = isolate ?? holder;
    while (walker.nextNode()) {
      const node = walker.currentNode as PageText;
      const word = boundary.contains(node) ? null : /[\p{L}\p{N}]{4}/u.exec(node.data);
      if (word) {
        return {
          isolatedBy: isolate?.tagName.toLowerCase(),
          markerLefts: lefts(holder, holder.data.indexOf(marker), marker.length),
          nextText: word[0],
          nextLefts: lefts(node, word.index, word[0].length),
        };
      }
    }
    throw new Error(`the page shows nothing after ${marker}`);
  }, marker);
}

/**
 * The few browser globals the functions run in the page use, typed here because this project
 * compiles without the DOM library (which would let `document` slip into server code).
 */
interface PageGlobals {
  readonly document: {
    readonly images: ArrayLike<PageImage> & Iterable<PageImage>;
    readonly documentElement: { readonly scrollWidth: number };
    readonly body: PageNode & { readonly innerText: string };
    querySelectorAll(selector: string): Iterable<PageElement>;
    createRange(): {
      setStart(node: PageNode, offset: number): void;
      setEnd(node: PageNode, offset: number): void;
      getBoundingClientRect(): { readonly left: number };
    };
    createTreeWalker(
      root: PageNode,
      whatToShow: number,
    ): { nextNode(): PageNode | null; readonly currentNode: PageNode };
  };
  readonly axe: { run(): Promise<{ readonly violations: unknown }> };
}

type PageNode = object;

interface PageElement {
  readonly id: string;
  readonly tagName: string;
  /** Set on `<a>`: the link resolved against the page. */
  readonly href?: string;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  contains(node: PageNode): boolean;
}

interface PageText {
  readonly data: string;
  readonly parentElement: PageElement | null;
  contains(node: PageNode): boolean;
}

interface PageImage {
  loading: string;
  readonly complete: boolean;
  readonly naturalWidth: number;
  readonly currentSrc: string;
  readonly src: string;
  addEventListener(type: 'load' | 'error', listener: () => void): void;
}
