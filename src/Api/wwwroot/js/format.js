// Formatting and small DOM helpers. Values from the API are only ever put into the page as text (textContent),
// never as HTML.

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const qty = new Intl.NumberFormat('en-US', { maximumFractionDigits: 8 });
const price = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const pct = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const ratio = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const num = v => (v === null || v === undefined || v === '' ? null : Number(v));
export const fmtMoney = v => (num(v) === null ? '–' : money.format(num(v)));
export const fmtQty = v => (num(v) === null ? '–' : qty.format(num(v)));
export const fmtPrice = v => (num(v) === null ? '–' : price.format(num(v)));
export const fmtPct = v => (num(v) === null ? '–' : pct.format(num(v)));
export const fmtRatio = v => (num(v) === null ? '–' : ratio.format(num(v)));
export const fmtTime = v => (v ? new Date(v).toLocaleTimeString('en-GB', { hour12: false }) : '–');
export const fmtDateTime = v => (v ? new Date(v).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '–');
export const signClass = v => (num(v) > 0 ? 'up' : num(v) < 0 ? 'down' : '');

/** el('td', {class: 'num'}, 'text', childNode, …) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

export const $ = id => document.getElementById(id);
