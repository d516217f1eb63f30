// Users: who they are, their facility and department, status, permissions and admin roles.
import { call, seg } from '../api.js';
import { el, table, inlineForm, options } from '../dom.js';

const PERMISSIONS = ['view-live', 'view-dicom', 'search-images', 'publish'];

export async function render({ me, act }) {
  const [users, tenants, departments] = await Promise.all([
    call('GET', '/admin/users'), call('GET', '/admin/tenants'), call('GET', '/admin/departments')]);
  const mine = tenants.filter((t) => t.administered).map((t) => t.name);

  const add = inlineForm('add-user', [
    el('select', { name: 'tenant', 'aria-label': 'Facility' }, options(mine)),
    el('input', { name: 'name', placeholder: 'user name', required: true, maxlength: 64, 'aria-label': 'User name' }),
    el('input', { name: 'display_name', placeholder: 'display name', maxlength: 128, 'aria-label': 'Display name' }),
    el('input', { name: 'phone', type: 'tel', placeholder: 'phone', maxlength: 32, 'aria-label': 'Phone' }),
    el('input', { name: 'password', type: 'password', placeholder: 'initial password (8+)', minlength: 8, maxlength: 256, autocomplete: 'new-password', 'aria-label': 'Initial password' }),
  ], 'Add user', (v) => act(() => call('POST', '/admin/users', {
    tenant: v.tenant, name: v.name, ...(v.display_name && { display_name: v.display_name }),
    ...(v.phone && { phone: v.phone }), ...(v.password && { password: v.password }) })));

  const rows = users.map((u) => ({
    attributes: { 'data-user': u.name },
    cells: [
      u.name,
      u.display_name,
      u.phone,
      u.tenant,
      departmentSelect(u, departments, act),
      u.status,
      PERMISSIONS.map((p) => el('label', { class: 'chip' },
        el('input', { type: 'checkbox', checked: u.permissions.includes(p), 'aria-label': `${u.name} ${p}`,
          onchange: (e) => act(() => call(e.target.checked ? 'PUT' : 'DELETE', `/admin/users/${seg(u.name)}/permissions/${p}`)) }),
        p)),
      u.admin_roles.join(', '),
      el('span', {},
        u.status === 'disabled'
          ? el('button', { onclick: () => act(() => setStatus(u, 'active')) }, 'Enable')
          : el('button', { class: 'danger', onclick: () => act(() => setStatus(u, 'disabled')) }, 'Disable'),
        me.system_admin && !u.admin_roles.includes('tenant-admin')
          ? el('button', { class: 'link', onclick: () => act(() => call('PUT', `/admin/users/${seg(u.name)}/roles/tenant-admin`)) }, 'Make facility admin')
          : null),
    ],
  }));
  return el('section', {}, el('h2', {}, 'Users'), add,
    table(['User', 'Name', 'Phone', 'Facility', 'Department', 'Status', 'Permissions', 'Admin roles', ''], rows, { id: 'users-table' }));
}

function setStatus(user, status) {
  return call('PUT', `/admin/users/${seg(user.name)}/status`, { status });
}

function departmentSelect(user, departments, act) {
  const names = departments.filter((d) => d.tenant === user.tenant).map((d) => d.name);
  return el('select', { 'aria-label': `${user.name} department`,
    onchange: (e) => act(() => call('PUT', `/admin/users/${seg(user.name)}/department`, { department: e.target.value })) },
  el('option', { value: '' }, '—'), options(names, user.department));
}
