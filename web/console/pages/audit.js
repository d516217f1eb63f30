// The audit trail: filter, read, export (JSON lines or CSV) and verify the hash chain.
import { call, credentials } from '../api.js';
import { el, table } from '../dom.js';

let filters = { user: '', stream: '', group: '', from: '', to: '' };

function query(extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) {
    if (!v) continue;
    q.set(k, k === 'from' || k === 'to' ? String(new Date(v).getTime()) : v);
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return q.toString();
}

export async function render({ me, refresh }) {
  if (!me.system_admin) return el('p', { class: 'muted' }, 'The audit trail is for system administrators.');
  const text = await call('GET', `/admin/audit?${query({ limit: '500', order: 'desc' })}`);
  const records = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));

  const field = (name, type = 'text') => el('input', { name, type, value: filters[name], placeholder: name, 'aria-label': `Filter by ${name}` });
  const form = el('form', { class: 'inline', id: 'audit-filter' },
    field('user'), field('stream'), field('group'), field('from', 'datetime-local'), field('to', 'datetime-local'),
    el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    filters = Object.fromEntries(new FormData(form));
    refresh();
  });

  const verdict = el('span', { id: 'audit-verdict', class: 'muted' });
  const verify = el('button', { onclick: async () => {
    const v = await call('GET', '/admin/audit/verify');
    verdict.textContent = v.intact ? `Intact: ${v.records} records, every link checks.`
      : `Broken at record ${v.first_broken_seq}: ${v.problem}`;
    verdict.className = v.intact ? 'ok' : 'error';
  } }, 'Verify chain');

  const rows = records.map((r) => [new Date(r.at_ms).toLocaleString(), r.actor, r.action, r.target, r.outcome,
    el('code', {}, typeof r.details === 'string' ? r.details : JSON.stringify(r.details))]);
  return el('section', {}, el('h2', {}, 'Audit log'), form,
    el('div', { class: 'inline' }, verify, ' ', exportButton('jsonl'), ' ', exportButton('csv'), ' ', verdict),
    table(['When', 'Who', 'Action', 'About', 'Outcome', 'Details'], rows, { id: 'audit-table' }));
}

// Downloads through fetch: the export needs the bearer token, which a plain link cannot carry.
function exportButton(format) {
  return el('button', { class: 'link', onclick: async () => {
    const response = await fetch(`/api/v1/admin/audit?${query({ format })}`,
      { headers: { Authorization: `Bearer ${credentials.accessToken}` } });
    const url = URL.createObjectURL(await response.blob());
    el('a', { href: url, download: `medrelay-audit.${format}` }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } }, `Export ${format.toUpperCase()}`);
}
