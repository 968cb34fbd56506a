/**
 * @module
 * The words an HTML table shows above a column, in place of the row key the JSON and CSV
 * copies keep (`created_time` reads "Created"). The keys are the archive's stable field names;
 * the labels are for people only, so a key with no label of its own still reads as words
 * ("user_agent" → "User agent") instead of a raw key.
 */

const LABELS: Readonly<Record<string, string>> = {
  id: 'ID',
  answers: 'Answers',
  attachments: 'Attachments',
  author: 'Author ID',
  author_name: 'Author',
  body: 'Text',
  created_time: 'Created',
  creator: 'Creator ID',
  creator_name: 'Creator',
  email: 'Email',
  event: 'Event ID',
  event_title: 'Event',
  friend: 'Friend ID',
  friend_name: 'Friend',
  group: 'Group ID',
  group_name: 'Group',
  ip_address: 'IP address',
  item_type: 'Type',
  member: 'Member ID',
  member_name: 'Member',
  message: 'Message',
  option: 'Option ID',
  option_text: 'Option',
  parent: 'Reply to',
  participant_names: 'Participants',
  participants: 'Participant IDs',
  poll: 'Poll ID',
  poll_question: 'Poll',
  post: 'Post ID',
  query: 'Search',
  respondent: 'Respondent ID',
  survey: 'Survey ID',
  target: 'Target ID',
  target_type: 'Reacted to',
  thread: 'Conversation ID',
  updated_time: 'Updated',
  url: 'Web address',
  user_agent: 'Browser or app',
};

/**
 * The order in which a page shows a section's columns: what a person reads first (names, text,
 * times, attachments) in the section's order, then the ids (columns labelled "… ID", and the
 * lists of ids), which are there for cross-reference. The JSON and CSV keep the section's order.
 */
export function readingOrder(columns: readonly string[]): string[] {
  const isId = (column: string): boolean => /(^| )IDs?$/.test(columnLabel(column));
  return [...columns.filter((column) => !isId(column)), ...columns.filter(isId)];
}

/** The label of a column: its own, or the key made into words ("start_time" → "Start time"). */
export function columnLabel(column: string): string {
  return LABELS[column] ?? humanised(column);
}

function humanised(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[_\s-]+/)
    .filter((word) => word !== '')
    .map((word) => (/^(id|ip|url|uri)$/i.test(word) ? word.toUpperCase() : word.toLowerCase()));
  const [first = key, ...rest] = words;
  return [first.charAt(0).toUpperCase() + first.slice(1), ...rest].join(' ');
}
