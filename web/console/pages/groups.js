// Groups (the hospital's chat groups): members with their roles, and the streams shared in.
import { call, seg } from '../api.js';
import { el, table, inlineForm, options } from '../dom.js';

export async function render({ act }) {
  const [groups, tenants, users] = await Promise.all([
    call('GET', '/admin/groups'), call('GET', '/admin/tenants'), call('GET', '/admin/users')]);
  const mine = tenants.filter((t) => t.administered).map((t) => t.name);

  const add = inlineForm('add-group', [
    el('select', { name: 'tenant', 'aria-label': 'Facility' }, options(mine)),
    el('input', { name: 'name', placeholder: 'group name', required: true, maxlength: 64, 'aria-label': 'Group name' }),
  ], 'Add group', (v) => act(() => call('POST', '/admin/groups', v)));

  const rows = groups.map((g) => ({
    attributes: { 'data-group': g.id },
    cells: [
      g.id,
      el('div', {}, g.members.map((m) => el('span', { class: 'chip', 'data-member': m.user },
        `${m.user} (${m.role})`,
        el('button', { title: `Remove ${m.user}`, 'aria-label': `Remove ${m.user} from ${g.id}`,
          onclick: () => act(() => call('DELETE', `/admin/groups/${seg(g.id)}/members/${seg(m.user)}`)) }, '×')))),
      inlineForm(null, [
        el('select', { name: 'user', 'aria-label': `User to add to ${g.id}` },
          options(users.map((u) => u.name).filter((n) => !g.members.some((m) => m.user === n)))),
        el('select', { name: 'role', 'aria-label': 'Role' }, options(['member', 'admin', 'owner'])),
      ], 'Add member', (v) => act(() => call('POST', `/admin/groups/${seg(g.id)}/members`, v))),
      g.streams.join(', '),
    ],
  }));
  return el('section', {}, el('h2', {}, 'Groups'), add,
    table(['Group', 'Members', '', 'Streams shared in'], rows, { id: 'groups-table' }));
}
