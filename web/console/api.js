// The console's calls to /api/v1/: bearer token from the console's own credentials, one
// automatic renewal when the access token has expired, errors as exceptions with the API's
// sentence.
import { Credentials } from '/js/credentials.js';

export const credentials = new Credentials('medrelay.console');

export async function call(method, path, body) {
  let response = await send(method, path, body);
  if (response.status === 401 && credentials.state.refreshToken) {
    await credentials.refresh();
    response = await send(method, path, body);
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  const reply = type.startsWith('application/json') ? await response.json() : await response.text();
  if (!response.ok) {
    throw Object.assign(new Error(reply.message || `HTTP ${response.status}`),
      { code: reply.code, status: response.status });
  }
  return reply;
}

function send(method, path, body) {
  const headers = { Authorization: `Bearer ${credentials.accessToken}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

// Path segments are names; a group is "FACILITY/NAME", so each segment is escaped.
export const seg = (value) => encodeURIComponent(value);
