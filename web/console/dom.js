// Building the console's DOM without innerHTML: every value from the server goes through
// textContent, so a display name can never become markup.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A table from column headings and rows of cells (strings or nodes).
export function table(headings, rows, attributes = {}) {
  return el('table', attributes,
    el('thead', {}, el('tr', {}, headings.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((row) => el('tr', row.attributes || {},
      (row.cells || row).map((cell) => el('td', {}, cell))))));
}

export function options(values, selected) {
  return values.map((v) => el('option', { value: v, selected: v === selected }, v));
}

// An inline form: fields are inputs/selects; `submit` receives the form's values by name.
export function inlineForm(id, fields, label, submit) {
  const form = el('form', { class: 'inline', id }, fields, el('button', { type: 'submit' }, label));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit(Object.fromEntries(new FormData(form)));
  });
  return form;
}
