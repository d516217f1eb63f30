// Devices: every signed-in app install; revoking one ends its sign-in and its video at once.
import { call, seg } from '../api.js';
import { el, table } from '../dom.js';

export async function render({ act }) {
  const devices = await call('GET', '/admin/devices');
  const rows = devices.map((d) => ({
    attributes: { 'data-device': d.uuid },
    cells: [d.user, d.uuid, d.platform, d.status,
      d.last_seen ? new Date(d.last_seen * 1000).toLocaleString() : '—',
      d.status === 'active'
        ? el('button', { class: 'danger', onclick: () => act(() => call('DELETE', `/admin/users/${seg(d.user)}/devices/${seg(d.uuid)}`)) }, 'Revoke')
        : ''],
  }));
  return el('section', {}, el('h2', {}, 'Devices'),
    table(['User', 'Device', 'Platform', 'Status', 'Last seen', ''], rows, { id: 'devices-table' }));
}
