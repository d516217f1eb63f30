// Streams and the groups each is shared into; share and withdraw.
import { call, seg } from '../api.js';
import { el, table, inlineForm, options } from '../dom.js';

export async function render({ act }) {
  const [streams, groups] = await Promise.all([call('GET', '/admin/streams'), call('GET', '/admin/groups')]);
  const rows = streams.map((s) => ({
    attributes: { 'data-stream': s.name },
    cells: [
      s.name, s.kind, s.tenant,
      el('span', { class: s.state === 'live' ? 'ok' : 'muted' }, s.state),
      burnedIn(s, act),
      el('div', {}, s.groups.map((g) => el('span', { class: 'chip', 'data-share': g }, g,
        el('button', { title: `Withdraw from ${g}`, 'aria-label': `Withdraw ${s.name} from ${g}`,
          onclick: () => act(() => call('DELETE', `/admin/streams/${seg(s.name)}/shares/${seg(g)}`)) }, '×')))),
      inlineForm(null, [
        el('select', { name: 'group', 'aria-label': `Group to share ${s.name} into` },
          options(groups.map((g) => g.id).filter((id) => !s.groups.includes(id)))),
      ], 'Share', (v) => act(() => call('PUT', `/admin/streams/${seg(s.name)}/shares/${seg(v.group)}`))),
    ],
  }));
  return el('section', {}, el('h2', {}, 'Streams and shares'),
    table(['Stream', 'Kind', 'Facility', 'State', 'Burned-in text', 'Shared into', ''], rows,
      { id: 'streams-table' }));
}

// DICOM series: the burned-in text decision; a blocked series gets a Release button (for after
// someone has looked at the series' files).
function burnedIn(s, act) {
  if (s.kind !== 'dicom' || !s.burned_in) return el('span', { class: 'muted' }, '');
  if (s.burned_in !== 'block') return el('span', {}, s.burned_in);
  return el('span', { class: 'warn' }, 'blocked ',
    el('button', { 'aria-label': `Release ${s.name}`, 'data-release': s.name,
      onclick: () => {
        if (!confirm(`Release ${s.name}? Its frames may show patient text burned into the pixels.`)) return;
        act(() => call('POST', `/admin/streams/${seg(s.name)}/release`));
      } }, 'Release'));
}
