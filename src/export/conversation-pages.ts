/**
 * @module
 * Chats as a person reads them (MESSENGER_V2 in HTML): `html/messenger_v2.html` lists the
 * member's conversations, each linked to a page of its own under `html/conversations/`, where
 * its messages follow one another in order, each with its sender's name and time, like a chat
 * and unlike a table of every thread's messages interleaved. Every conversation in the list
 * has its page, also one with no message in the export's time range (it says so).
 *
 * The rows arrive as the other formats get them: the `threads` section first, then the
 * `messages` section thread by thread, each thread's messages in time order. Pages are
 * closed as soon as they are complete and split like every page of the archive: at
 * `rowsPerPage` rows or before the chunk limit, continued on `_2`, `_3` ... with links both
 * ways. A conversation's page is named after its position in the list (and a slug of its name),
 * never after its id, so that imported ids can neither collide nor make unsafe file names.
 */
import type { TextEntry } from './archive-entry.js';
import type { JsonValue, Row, Section } from './data-type-sections.js';
import { chunkPath, type FormatWriter, TextBuilder } from './format-writer.js';
import { escapeHtml, pageEnd, pagerHtml, pageStart } from './html-page.js';
import { attachmentsHtml, htmlCell, ROWS_PER_PAGE } from './html-renderer.js';
import { nameSlug } from './name-slug.js';

/** The folder of the conversation pages, under `html/`. */
export const CONVERSATIONS_FOLDER = 'conversations';

/** Whether an archive path is a conversation's page (listed by its data type's first page). */
export function isConversationPage(path: string): boolean {
  return path.startsWith(`html/${CONVERSATIONS_FOLDER}/`);
}

/** What the list knows of a conversation, for the heading of its own page. */
interface Conversation {
  readonly title: string;
  readonly participants: readonly string[];
  /** Archive path of its first page, without the `.html`. */
  readonly base: string;
}

/** A page being written: which file series, which page of it. */
interface OpenPage {
  readonly base: string;
  readonly title: string;
  readonly intro: string;
  readonly back: string;
  number: number;
  rows: number;
}

export class ConversationHtmlWriter implements FormatWriter {
  readonly #folder: string;
  readonly #title: string;
  readonly #chunkBytes: number;
  readonly #missing: ReadonlyMap<string, string>;
  readonly #rowsPerPage: number;
  readonly #text = new TextBuilder();
  readonly #conversations = new Map<string, Conversation>();
  /** Conversations whose page was written, in order. */
  readonly #written = new Set<string>();
  #section: Section | undefined;
  #page: OpenPage | undefined;
  #thread: string | undefined;

  constructor(
    folder: string,
    title: string,
    chunkBytes: number,
    missing: ReadonlyMap<string, string> = new Map(),
    rowsPerPage = ROWS_PER_PAGE,
  ) {
    this.#folder = folder;
    this.#title = title;
    this.#chunkBytes = chunkBytes;
    this.#missing = missing;
    this.#rowsPerPage = rowsPerPage;
  }

  startSection(section: Section): TextEntry[] {
    const done = this.#closePage(false);
    this.#section = section;
    if (section.name === 'threads') {
      this.#openPage({
        base: `html/${this.#folder}`,
        title: this.#title,
        intro: '<h2>Conversations</h2>\n<ol class="conversations">\n',
        back: '../index.html',
      });
    }
    return done;
  }

  writeRow(row: Row): TextEntry[] {
    return this.#section?.name === 'threads' ? this.#listRow(row) : this.#messageRow(row);
  }

  finish(): TextEntry[] {
    const done = this.#closePage(false);
    // A conversation with no message in the time range still has the page the list links to.
    for (const [id, conversation] of this.#conversations) {
      if (this.#written.has(id)) continue;
      this.#openConversation(conversation);
      this.#text.append('<li class="empty">No messages in the exported time range.</li>\n');
      done.push(...this.#closePage(false));
    }
    return done;
  }

  #listRow(row: Row): TextEntry[] {
    const id = text(row.id);
    const participants = texts(row.participant_names ?? row.participants);
    const title = text(row.name) || `Conversation with ${participants.join(', ')}`;
    const slug = nameSlug(text(row.name));
    const position = this.#conversations.size + 1;
    const base = `html/${CONVERSATIONS_FOLDER}/${position}${slug === '' ? '' : `-${slug}`}`;
    this.#conversations.set(id, { title, participants, base });
    const href = `${CONVERSATIONS_FOLDER}/${base.slice(base.lastIndexOf('/') + 1)}.html`;
    const html =
      `<li><a href="${escapeHtml(href)}"><bdi>${escapeHtml(title)}</bdi></a>` +
      `<br><span class="meta">${peopleCount(participants.length)} · started ` +
      `${htmlCell('created_time', row.created_time ?? null)}</span></li>\n`;
    return this.#append(html);
  }

  #messageRow(row: Row): TextEntry[] {
    const thread = text(row.thread);
    const done: TextEntry[] = [];
    if (thread !== this.#thread) {
      done.push(...this.#closePage(false));
      this.#thread = thread;
      this.#written.add(thread);
      this.#openConversation(
        this.#conversations.get(thread) ?? {
          title: text(row.thread_name) || 'Conversation',
          participants: [],
          base: `html/${CONVERSATIONS_FOLDER}/${this.#conversations.size + this.#written.size}`,
        },
      );
    }
    const sender = text(row.author_name) || text(row.author);
    const attachments = attachmentsHtml(row.attachments ?? null, this.#missing, '../../');
    const html =
      `<li><article><p class="meta"><b><bdi>${escapeHtml(sender)}</bdi></b> · ` +
      `${htmlCell('created_time', row.created_time ?? null)}</p>\n` +
      `${text(row.text) === '' ? '' : `<p class="text"><bdi>${escapeHtml(text(row.text))}</bdi></p>\n`}` +
      `${attachments}</article></li>\n`;
    return [...done, ...this.#append(html)];
  }

  #openConversation(conversation: Conversation): void {
    const people = conversation.participants.map((name) => `<bdi>${escapeHtml(name)}</bdi>`);
    this.#openPage({
      base: conversation.base,
      title: conversation.title,
      intro:
        (people.length === 0 ? '' : `<p>With ${people.join(', ')}</p>\n`) +
        '<ol class="messages">\n',
      back: `../${this.#folder}.html`,
    });
  }

  /** Adds one list item, first closing the page when it is full. */
  #append(html: string): TextEntry[] {
    const page = this.#page;
    if (!page) throw new Error('ConversationHtmlWriter: a row came before its section');
    const done: TextEntry[] = [];
    const isFull =
      page.rows >= this.#rowsPerPage ||
      this.#text.bytes + Buffer.byteLength(html + this.#end(page, true)) > this.#chunkBytes;
    if (page.rows > 0 && isFull) {
      done.push(...this.#closePage(true));
      this.#openPage({ ...page, number: page.number + 1 });
    }
    this.#text.append(html);
    const current = this.#page;
    if (current) current.rows++;
    return done;
  }

  #openPage(page: Omit<OpenPage, 'number' | 'rows'> & { number?: number }): void {
    const number = page.number ?? 1;
    this.#page = { ...page, number, rows: 0 };
    const title = page.title + (number === 1 ? '' : `, page ${number}`);
    const nav = `<nav aria-label="Archive pages">\n${this.#pager(this.#page, false)}</nav>\n`;
    this.#text.append(`${pageStart(title, nav)}<h1><bdi>${escapeHtml(title)}</bdi></h1>\n`);
    this.#text.append(page.intro);
  }

  #closePage(hasNext: boolean): TextEntry[] {
    const page = this.#page;
    if (!page) return [];
    if (page.rows === 0 && this.#section?.name === 'threads' && page.number === 1) {
      this.#text.append('<li class="empty">No conversations.</li>\n');
    }
    this.#text.append(this.#end(page, hasNext));
    this.#page = undefined;
    return [this.#text.take(chunkPath(page.base, 'html', page.number))];
  }

  #end(page: OpenPage, hasNext: boolean): string {
    return `</ol>\n${pageEnd(this.#pager(page, hasNext))}`;
  }

  /** Links back (to the index, or to the list), and to the neighbouring pages. */
  #pager(page: OpenPage, hasNext: boolean): string {
    const name = page.base.slice(page.base.lastIndexOf('/') + 1);
    const label = page.back === '../index.html' ? 'All data types' : 'All conversations';
    return pagerHtml({ href: page.back, label }, name, page.number, hasNext);
  }
}

function peopleCount(count: number): string {
  return `${count} ${count === 1 ? 'person' : 'people'}`;
}

function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

function texts(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}
