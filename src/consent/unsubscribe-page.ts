/** A topic as the preferences form shows it: the person's current choice on every channel. */
export interface TopicChoice {
  id: string;
  name: string;
  description: string;
  /** Required topics (e.g. security notices) are shown, checked, and cannot be turned off. */
  required: boolean;
  subscribed: boolean;
}

export interface PageState {
  /** The unsubscribe link's topic: its name, or undefined for all marketing (a run without a topic). */
  topicName?: string;
  topics: TopicChoice[];
  /** False once the person opted out of all marketing on every channel. */
  marketing: boolean;
}

export interface PageView {
  /** `unsubscribe`: the link's own page, with its confirm button; `preferences`: the form only. */
  mode: 'unsubscribe' | 'preferences';
  /** What just happened, shown on top. */
  notice?: 'unsubscribed' | 'saved';
  /** The page's token, for the relative form actions (so a path prefix before /u/ keeps working). */
  token: string;
  formToken: string;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values alike: topic names and descriptions are operator data, shown to the public. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * Served with a CSP of `default-src 'none'` (no script, image or font can
 * load), so the page is plain HTML and inline style, and works without JavaScript.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}
fieldset{border:1px solid #ccc;border-radius:6px;margin:1rem 0}label{display:block;margin:.4rem 0}
small{color:#555;display:block;margin-left:1.6rem}button{font:inherit;padding:.4rem 1rem}.notice{background:#eef6ee;padding:.6rem 1rem;border-radius:6px}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

const subjectOf = (state: PageState) => (state.topicName === undefined ? 'all marketing messages' : `“${escapeHtml(state.topicName)}”`);

function topicRow(t: TopicChoice): string {
  const id = escapeHtml(t.id);
  const flags = `${t.subscribed ? ' checked' : ''}${t.required ? ' disabled' : ''}`;
  const description = [t.description, t.required ? 'Required: these cannot be turned off.' : ''].filter(Boolean).join(' ');
  return `<label><input type="checkbox" name="topic" value="${id}"${flags}> ${escapeHtml(t.name)}${description ? `<small>${escapeHtml(description)}</small>` : ''}</label>`;
}

/** The unsubscribe / preferences page: what the link is for, a confirm button, and the person's topics. */
export function renderPage(state: PageState, view: PageView): string {
  const token = escapeHtml(view.token);
  // Relative to the page's own URL: /u/<token> or /u/<token>/preferences.
  const [confirmAction, preferencesAction] = view.mode === 'unsubscribe' ? [token, `${token}/preferences`] : [`../${token}`, 'preferences'];
  const parts: string[] = [];
  if (view.notice === 'unsubscribed') parts.push(`<p class="notice" role="status">You are unsubscribed from ${subjectOf(state)} on every channel.</p>`);
  if (view.notice === 'saved') parts.push('<p class="notice" role="status">Your preferences are saved.</p>');
  if (view.mode === 'unsubscribe' && view.notice !== 'unsubscribed') {
    parts.push(`<h1>Unsubscribe</h1>
<p>Stop receiving ${subjectOf(state)} from us, by email and every other channel.</p>
<form method="post" action="${confirmAction}"><button type="submit">Unsubscribe</button></form>`);
  }
  parts.push(`<h2 id="preferences">Your preferences</h2>
<form method="post" action="${preferencesAction}">
<input type="hidden" name="csrf" value="${escapeHtml(view.formToken)}">
<fieldset><legend>Topics you receive</legend>
${state.topics.map(topicRow).join('\n') || '<p>There are no topics to choose from.</p>'}
</fieldset>
<label><input type="checkbox" name="all" value="unsubscribe"${state.marketing ? '' : ' checked'}> Unsubscribe from all marketing messages</label>
<p><button type="submit">Save preferences</button></p>
</form>`);
  return layout(view.mode === 'unsubscribe' ? 'Unsubscribe' : 'Your preferences', parts.join('\n'));
}

/** An error as a page, for people who followed a link (API clients get JSON). */
export function renderError(message: string): string {
  return layout('Unsubscribe', `<h1>Sorry</h1>\n<p>${escapeHtml(message)}</p>`);
}
