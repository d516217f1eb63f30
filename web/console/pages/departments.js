// Departments of each facility (users are placed in one on the Users page).
import { call } from '../api.js';
import { el, table, inlineForm, options } from '../dom.js';

export async function render({ act }) {
  const [departments, tenants] = await Promise.all([
    call('GET', '/admin/departments'), call('GET', '/admin/tenants')]);
  const mine = tenants.filter((t) => t.administered).map((t) => t.name);
  const add = inlineForm('add-department', [
    el('select', { name: 'tenant', 'aria-label': 'Facility' }, options(mine)),
    el('input', { name: 'name', placeholder: 'department', required: true, maxlength: 64, 'aria-label': 'Department name' }),
  ], 'Add department', (v) => act(() => call('POST', '/admin/departments', v)));
  return el('section', {}, el('h2', {}, 'Departments'), add,
    table(['Facility', 'Department'], departments.map((d) => [d.tenant, d.name]), { id: 'departments-table' }));
}
