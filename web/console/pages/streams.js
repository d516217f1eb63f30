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
    table(['Stream', 'Kind', 'Facility', 'State', 'Shared into', ''], rows, { id: 'streams-table' }));
}
