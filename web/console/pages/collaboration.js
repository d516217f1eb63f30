// Collaboration between facilities: one asks, the other accepts; either side may end it.
import { call, seg } from '../api.js';
import { el, table, inlineForm, options } from '../dom.js';

export async function render({ act }) {
  const [collaborations, tenants] = await Promise.all([
    call('GET', '/admin/collaborations'), call('GET', '/admin/tenants')]);
  const mine = tenants.filter((t) => t.administered).map((t) => t.name);
  const ask = inlineForm('request-collaboration', [
    el('select', { name: 'requester', 'aria-label': 'Your facility' }, options(mine)),
    el('select', { name: 'partner', 'aria-label': 'Partner facility' }, options(tenants.map((t) => t.name))),
  ], 'Request collaboration', (v) => act(() => call('POST', '/admin/collaborations', v)));
  const rows = collaborations.map((c) => [c.requester, c.partner, c.status,
    el('span', {},
      c.status === 'requested' && mine.includes(c.partner)
        ? el('button', { onclick: () => act(() => call('POST', `/admin/collaborations/${seg(c.requester)}/${seg(c.partner)}/accept`)) }, 'Accept')
        : null,
      c.status !== 'ended'
        ? el('button', { class: 'danger', onclick: () => act(() => call('DELETE', `/admin/collaborations/${seg(c.requester)}/${seg(c.partner)}`)) }, 'End')
        : null)]);
  return el('section', {}, el('h2', {}, 'Collaboration'), ask,
    table(['Requested by', 'Partner', 'Status', ''], rows, { id: 'collaborations-table' }));
}
