/**
 * @module
 * The vocabulary of the synthetic community: names, departments, places, words and the texts
 * its records are drawn from, plus `HOSTILE_TEXTS`, the few strings that break a renderer
 * that forgets to escape. Lists are written `|`-separated to keep the file short. A few names
 * carry accents (Zoë, José, Søren): e-mail addresses and file names must cope.
 */
import type { SurveyQuestion } from '../domain/index.js';

export const REACTIONS = ['LOVE', 'CARE', 'HAHA', 'WOW', 'SAD', 'ANGRY'] as const;

export const FIRST_NAMES = list(
  'Ada|Alan|Amara|Ana|Aiko|Ben|Björn|Carla|Chen|Chidi|Dana|David|Elif|Emma|Farah|Felix|Grace|Hana|Hugo|Ines|Ivan|Jamal|José|Julia|Kai|Kenji|Lara|Leo|Lina|Marta|Mateo|Maya|Nadia|Noah|Olga|Omar|Priya|Rafael|Renée|Sara|Sofia|Søren|Tariq|Uma|Victor|Wei|Yara|Yusuf|Zoë',
);
export const LAST_NAMES = list(
  'Abbott|Adeyemi|Almeida|Bauer|Brown|Castillo|Chen|Costa|Dubois|Eriksen|Fischer|García|Gonzalez|Haddad|Hansen|Ito|Jensen|Kim|Kowalski|Kumar|Larsen|Lopez|Martin|Meyer|Moreau|Müller|Nakamura|Novak|Nguyen|Okafor|Olsen|Patel|Pereira|Rossi|Sato|Schmidt|Silva|Smith|Tanaka|Torres|Wagner|Walker|Wang|Weber|Yilmaz|Zhang',
);
/** Departments, each with the titles of the people in it (its head is "Head of ..."). */
export const DEPARTMENTS = Object.entries({
  Engineering: 'Software Engineer|Senior Software Engineer|Staff Engineer|Engineering Manager',
  Product: 'Product Manager|Product Designer|UX Researcher',
  Sales: 'Account Executive|Sales Engineer|Sales Manager',
  Marketing: 'Content Strategist|Marketing Manager|Brand Designer',
  Finance: 'Accountant|Financial Analyst|Controller',
  People: 'Recruiter|People Partner|Learning Specialist',
  Operations: 'Operations Analyst|Office Manager|Facilities Lead',
  Support: 'Support Specialist|Support Lead|Technical Writer',
}).map(([name, titles]) => ({ name, titles: list(titles) }));
export const LOCATIONS = list(
  'Lisbon, Portugal|Berlin, Germany|London, United Kingdom|New York, United States|Austin, United States|São Paulo, Brazil|Lagos, Nigeria|Nairobi, Kenya|Bengaluru, India|Singapore|Tokyo, Japan|Sydney, Australia|Toronto, Canada|Dublin, Ireland|Warsaw, Poland|Mexico City, Mexico',
);
export const WORDS = list(
  'roadmap|launch|release|customer|team|quarter|review|design|feedback|meeting|update|plan|goal|metric|dashboard|deadline|sprint|backlog|demo|workshop|offsite|coffee|lunch|project|milestone|budget|hiring|onboarding|process|policy|office|remote|travel|conference|talk|slides|notes|draft|proposal|idea|question|answer|thanks|congrats|welcome|reminder|schedule|kickoff|retro|incident|fix|bug|feature|test|deploy|migration|report|survey|training|mentor|wellbeing|volunteer|charity|garden|music|photo|weekend|holiday|celebration|anniversary|new|great|quick|small|big|shared|open|final|weekly|monthly|early|late|together',
);
export const GROUP_TOPICS = list(
  'Announcements|Engineering|Design|Sales|Marketing|Running|Photography|Cooking|Books|Gardening|Parents|Music|Travel|Volunteering|Wellbeing|Gaming|Cycling|Newcomers|Pets|Coffee',
);
export const CHAT_NAMES = list('Launch crew|Lunch plans|Offsite|Project Falcon|On-call|Book club');
export const EVENT_TITLES = list(
  'All hands|Quarterly planning|Team lunch|Town hall|Hackathon|Tech talk|Onboarding session|Summer party|Running club|Volunteer day|Design critique',
);
export const POLL_QUESTIONS = Object.entries({
  'Where should the offsite be?': 'Mountains|Beach|City',
  'Best day for the team lunch?': 'Tuesday|Wednesday|Thursday|Friday',
  'Keep the weekly sync?': 'Yes|No',
  'Which talk next month?': 'Databases|Design systems|Security|Accessibility',
}).map(([text, options]) => ({ text, options: list(options) }));
export const PROBLEMS = list(
  'The feed does not load on my phone.|Notifications arrive twice.|I cannot upload a photo to my post.|Search does not find a group I am in.|Chat shows an old profile picture.',
);
export const SEARCHES = list(
  'roadmap|holiday|benefits|payroll|offsite|onboarding|expenses|vpn|wifi|parking|handbook|security|design system|hiring|all hands|lunch|running|photos',
);
export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Workplace/450.0 (iPhone; iOS 17.4)',
];
export const KL_CATEGORIES = list(
  'Company|Teams|Tools|Benefits|Travel and expenses|Security|How we work|Onboarding',
);
export const SURVEY_QUESTIONS: readonly Omit<SurveyQuestion, 'id'>[] = [
  ['TEXT', 'What should we do more of?', ''],
  ['TEXT', 'Anything else you want to tell us?', ''],
  ['SINGLE_CHOICE', 'Where do you work most days?', 'Office|Home|Both'],
  ['SINGLE_CHOICE', 'How long have you been with us?', '< 1 year|1-3 years|> 3 years'],
  ['MULTIPLE_CHOICE', 'Which tools do you use daily?', 'Chat|Groups|Events|Knowledge library'],
  ['MULTIPLE_CHOICE', 'Which benefits matter to you?', 'Health|Learning|Wellbeing|Commuting'],
  ['RATING', 'How would you rate your onboarding?', ''],
  ['RATING', 'How likely are you to recommend us?', ''],
].map(([kind, text, options]) => ({
  kind: kind as SurveyQuestion['kind'],
  text: text ?? '',
  options: options ? list(options) : [],
}));

/** Texts that break a renderer that forgets to escape. */
export const HOSTILE_TEXTS = [
  '<script>alert(1)</script>',
  '=HYPERLINK("http://example.com")',
  '+SUM(1,2) and @cmd and -2+3',
  '"Quoted", with commas; and a\nnew line',
  '</td></tr><img src=x onerror=alert(1)> & &amp; &lt;',
  'Unicode: Zoë, 東京, 🎉, right-to-left שלום',
];

function list(items: string): readonly string[] {
  return items.split('|');
}
