// The Flows.Sdk dashboard: plain JavaScript, no build step, no library. Everything it shows comes from the management API and
// is put on the page as text (textContent, attribute values), never as HTML: webhook data is untrusted.
'use strict';

const body = document.body;
const API = body.dataset.api || '/api';
const SIGN_IN = body.dataset.signin || '';
const ANTI_FORGERY = body.dataset.antiforgery || 'X-Flows-Request';
const ORIGIN = body.dataset.origin || location.origin;
const main = document.getElementById('main');
const STATUSES = ['succeeded', 'failed', 'running', 'rebounding'];
const PAGE_SIZE = 20;

// ---------------------------------------------------------------------------------------------------------------- helpers

/** Builds an element: attributes (on* keys are listeners), then children (strings become text nodes). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) {
      el.addEventListener(key.slice(2).toLowerCase(), value);
      (el.listeners = el.listeners || []).push([key.slice(2).toLowerCase(), value]);
    }
    else if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const svgNs = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(svgNs, tag);
  for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

let idCounter = 0;
const nextId = (prefix) => `${prefix}-${++idCounter}`;

/** A labelled control: the label names it for assistive technology. */
function field(label, control, hint) {
  control.id = control.id || nextId('f');
  const hintEl = hint ? h('span', { class: 'hint', id: nextId('hint') }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

function select(options, value, attrs) {
  const el = h('select', attrs || {});
  for (const option of options) {
    const [v, text] = Array.isArray(option) ? option : [option, option];
    const o = h('option', { value: v }, text);
    if (v === value) o.selected = true;
    el.append(o);
  }
  return el;
}

const json = (value) => value === undefined ? '(nothing)' : JSON.stringify(value, null, 2);
const pre = (value, label) => h('pre', { class: 'json', tabindex: '0', 'aria-label': label }, json(value));
const time = (iso) => iso ? new Date(iso).toLocaleString() : '—';
const badge = (status) => h('span', { class: `badge ${status}` }, status);

function toast(text, isError) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.className = isError ? 'show error' : 'show';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { el.className = ''; }, 4000);
}

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Calls the management API; state-changing calls carry the anti-forgery header. */
async function api(method, path, payload, signal) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers[ANTI_FORGERY] = 'dashboard';
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(API + path, {
    method, headers, credentials: 'same-origin', signal,
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  if (response.status === 401 && SIGN_IN) {
    location.href = `${SIGN_IN}?returnUrl=${encodeURIComponent(location.pathname + location.hash)}`;
    throw new ApiError(401, { detail: 'Sign in first.' });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text }; }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function problemView(error) {
  const list = error.problem && Array.isArray(error.problem.errors) ? error.problem.errors : [];
  return h('div', { class: 'problem', role: 'alert' },
    h('strong', {}, error.status ? `${error.status}: ` : ''), error.message,
    list.length ? h('ul', {}, list.map((e) => h('li', {}, [e.stepId, e.field].filter(Boolean).join(' · ') + ': ' + e.message))) : null);
}

/** The page's one repeating task (polling), replaced on every navigation. */
let poller = null;
function poll(task, ms) {
  stopPolling();
  const token = {};
  poller = token;
  const tick = async () => {
    if (poller !== token) return;
    try { await task(); } catch { /* the next tick tries again */ }
    if (poller === token) token.timer = setTimeout(tick, ms);
  };
  token.timer = setTimeout(tick, ms);
}
function stopPolling() {
  if (poller) clearTimeout(poller.timer);
  poller = null;
}

/** The key that identifies a repeated element (a row) across redraws. */
const keyOf = (node) => node.nodeType === 1 ? (node.dataset && (node.dataset.flow || node.dataset.execution || node.dataset.key)) || null : null;

/**
 * Updates the children of `parent` to look like `children` (freshly built nodes) in place: an element of the same kind (and
 * the same key, for rows) is kept and patched, so that a refresh keeps the focused control, the scroll positions and the
 * open details, and never takes the focus away.
 */
function morphChildren(parent, children) {
  const wanted = children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => c instanceof Node ? c : document.createTextNode(String(c)));
  const old = [...parent.childNodes];
  const keyed = new Map(old.filter(keyOf).map((n) => [keyOf(n), n]));
  const unkeyed = old.filter((n) => !keyOf(n));
  const used = new Set();
  let cursor = 0;
  const result = wanted.map((node) => {
    const key = keyOf(node);
    let match = null;
    if (key) {
      match = keyed.get(key);
      if (match && (match.nodeName !== node.nodeName || used.has(match))) match = null;
    } else {
      while (cursor < unkeyed.length && used.has(unkeyed[cursor])) cursor++;
      const candidate = unkeyed[cursor];
      if (candidate && candidate.nodeType === node.nodeType && candidate.nodeName === node.nodeName && candidate.namespaceURI === node.namespaceURI) {
        match = candidate;
        cursor++;
      }
    }
    if (!match) return node;
    used.add(match);
    morph(match, node);
    return match;
  });
  for (const node of old) if (!used.has(node)) node.remove();
  // Nodes are put in place by inserting before the kept ones, so a kept (maybe focused) node is moved only when rows reorder.
  result.forEach((node, i) => {
    if (parent.childNodes[i] !== node) parent.insertBefore(node, parent.childNodes[i] || null);
  });
}

/** Patches `target` to look like `source` (same tag): attributes, listeners, values, children. */
function morph(target, source) {
  if (target.nodeType !== 1) {
    if (target.nodeValue !== source.nodeValue) target.nodeValue = source.nodeValue;
    return;
  }
  for (const { name } of [...target.attributes]) {
    // A details element's open state is the user's.
    if (name === 'open' && target.nodeName === 'DETAILS') continue;
    if (!source.hasAttribute(name)) target.removeAttribute(name);
  }
  for (const { name, value } of [...source.attributes]) {
    if (target.getAttribute(name) !== value) target.setAttribute(name, value);
  }
  for (const [type, fn] of target.listeners || []) target.removeEventListener(type, fn);
  for (const [type, fn] of source.listeners || []) target.addEventListener(type, fn);
  target.listeners = source.listeners;
  if ('value' in source && (source.nodeName === 'INPUT' || source.nodeName === 'TEXTAREA' || source.nodeName === 'SELECT')) {
    if (document.activeElement !== target && target.value !== source.value) target.value = source.value;
  }
  morphChildren(target, [...source.childNodes]);
}

function setPage(title, ...content) {
  document.title = `${title} · ${body.dataset.title || 'Flows'}`;
  main.replaceChildren(...content.flat().filter(Boolean));
}

function hookUrl(flow) {
  return flow.hookUrl ? ORIGIN.replace(/\/$/, '') + flow.hookUrl : null;
}

function copyButton(textFn, label, visible) {
  return h('button', {
    type: 'button', class: 'secondary', 'aria-label': visible ? label : null, onclick: async () => {
      const text = textFn();
      try {
        await navigator.clipboard.writeText(text);
        toast('Copied: ' + text);
      } catch {
        toast('Copy it by hand: ' + text);
      }
    },
  }, visible || label);
}

/** A scrollable table region, reachable by keyboard. */
function tableWrap(label, table) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: '0' }, table);
}

// ------------------------------------------------------------------------------------------------------------- dashboard

async function dashboardView() {
  const load = async () => {
    const flows = (await api('GET', '/flows')).items;
    const counts = await Promise.all(flows.map((f) => api('GET', `/flows/${encodeURIComponent(f.id)}/counts`).catch(() => null)));
    return { flows, counts, key: JSON.stringify([flows, counts.map((c) => c && c.totals)]) };
  };
  let shown = await load();
  setPage('Dashboard', dashboardPage(shown.flows, shown.counts));
  poll(async () => {
    const again = await load();
    if (again.key === shown.key) return;
    shown = again;
    // Only what changed is updated: the focused control, the scroll position and open details stay.
    morphChildren(main, [dashboardPage(again.flows, again.counts)]);
  }, 3000);
}

function dashboardPage(flows, counts) {
  return h('div', {},
    h('div', { class: 'title-row' },
      h('h1', {}, 'Flows'),
      h('a', { class: 'button', href: '#/designer' }, '+ Add new flow')),
    chart(counts.filter(Boolean)),
    flows.length === 0
      ? h('p', { class: 'empty' }, 'No flow yet. Choose ', h('strong', {}, '+ Add new flow'), ' to build one.')
      : tableWrap('Flows', h('table', { class: 'flows' },
        h('caption', {}, 'Every flow, with executions of the last 24 hours'),
        h('thead', {}, h('tr', {}, ['Name', 'State', 'Live version', 'Hook URL', 'Last 24 h'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, flows.map((flow, i) => flowRow(flow, counts[i]))))));
}

function flowRow(flow, counts) {
  const url = hookUrl(flow);
  const totals = counts ? counts.totals : {};
  return h('tr', { 'data-flow': flow.id },
    h('th', { scope: 'row' }, h('a', { href: `#/flows/${encodeURIComponent(flow.id)}` }, flow.name)),
    h('td', {}, badge(flow.state)),
    h('td', {}, flow.liveVersion ? `v${flow.liveVersion}` : '—'),
    h('td', { class: 'url' }, url ? [h('code', {}, url), ' ', copyButton(() => url, `Copy hook URL of ${flow.name}`, 'Copy')] : '—'),
    h('td', { class: 'counts' }, STATUSES.filter((st) => totals[st]).map((st) => h('span', { class: `count ${st}` }, `${totals[st]} ${st}`)),
      STATUSES.every((st) => !totals[st]) ? 'none' : null));
}

/** Executions of the last 24 hours by hour, all flows together: stacked bars, drawn here in SVG. */
function chart(allCounts) {
  const hours = 24;
  const to = allCounts.length ? new Date(allCounts[0].to) : new Date();
  const from = new Date(to.getTime() - hours * 3600e3);
  const bars = Array.from({ length: hours }, () => ({ succeeded: 0, failed: 0, other: 0 }));
  let total = 0;
  for (const counts of allCounts) {
    for (const bucket of counts.buckets) {
      const index = Math.floor((new Date(bucket.start) - from) / 3600e3);
      if (index < 0 || index >= hours) continue;
      bars[index].succeeded += bucket.succeeded || 0;
      bars[index].failed += bucket.failed || 0;
      bars[index].other += (bucket.running || 0) + (bucket.rebounding || 0);
      total += (bucket.succeeded || 0) + (bucket.failed || 0) + (bucket.running || 0) + (bucket.rebounding || 0);
    }
  }
  const max = Math.max(1, ...bars.map((b) => b.succeeded + b.failed + b.other));
  const width = 480, height = 120, gap = 2, barWidth = width / hours - gap;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height + 16}`, class: 'chart', role: 'img', 'aria-label': `${total} executions in the last 24 hours, by hour` },
    s('title', {}, `${total} executions in the last 24 hours`));
  bars.forEach((bar, i) => {
    let y = height;
    for (const [key, cls] of [['succeeded', 'succeeded'], ['failed', 'failed'], ['other', 'running']]) {
      if (!bar[key]) continue;
      const barHeight = Math.max(2, (bar[key] / max) * (height - 4));
      y -= barHeight;
      svg.append(s('rect', { x: i * (barWidth + gap), y, width: barWidth, height: barHeight, class: cls },
        s('title', {}, `${bar[key]} ${key}, ${new Date(from.getTime() + i * 3600e3).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`)));
    }
  });
  svg.append(s('line', { x1: 0, y1: height + 0.5, x2: width, y2: height + 0.5, class: 'axis' }));
  svg.append(s('text', { x: 0, y: height + 13, class: 'tick' }, '24 h ago'));
  svg.append(s('text', { x: width, y: height + 13, class: 'tick', 'text-anchor': 'end' }, 'now'));
  return h('figure', { class: 'chart-box' }, svg,
    h('figcaption', {}, `Executions per hour, last 24 hours: ${total}. `,
      h('span', { class: 'legend succeeded' }, 'succeeded'), ' ', h('span', { class: 'legend failed' }, 'failed'), ' ',
      h('span', { class: 'legend running' }, 'running or rebounding')));
}

// -------------------------------------------------------------------------------------------------------------- flow page

async function flowView(flowId, query) {
  const flow = await api('GET', `/flows/${encodeURIComponent(flowId)}`);
  const filters = {
    status: query.get('status') || '',
    from: query.get('from') || '',
    to: query.get('to') || '',
    skip: Math.max(0, parseInt(query.get('skip') || '0', 10) || 0),
  };
  const message = h('div', { class: 'message', 'aria-live': 'polite' });
  const runLog = h('div', {});
  const refused = h('div', {});
  const url = hookUrl(flow);

  const action = (label, method, path, after, cls) => h('button', {
    type: 'button', class: cls, onclick: async () => {
      message.replaceChildren();
      try {
        const result = await api(method, path);
        if (after) after(result);
        else await refresh();
      } catch (e) {
        message.replaceChildren(problemView(e));
      }
    },
  }, label);

  const controls = h('div', { class: 'actions', role: 'group', 'aria-label': 'Flow actions' },
    action('Publish Draft', 'POST', `/flows/${encodeURIComponent(flowId)}/publish`, async (result) => {
      toast(`Published version ${result.version}` + (result.warnings.length ? ` with ${result.warnings.length} warning(s)` : ''));
      await refresh();
      if (result.warnings.length) {
        document.querySelector('.message').replaceChildren(h('div', { class: 'warnings', role: 'status' }, h('strong', {}, 'Warnings: '),
          h('ul', {}, result.warnings.map((w) => h('li', {}, [w.stepId, w.field].filter(Boolean).join(' · ') + ': ' + w.message)))));
      }
    }),
    flow.state === 'running'
      ? action('Stop', 'POST', `/flows/${encodeURIComponent(flowId)}/stop`)
      : action('Start', 'POST', `/flows/${encodeURIComponent(flowId)}/start`),
    h('a', { class: 'button secondary', href: `#/designer/${encodeURIComponent(flowId)}` }, 'Edit in designer'),
    flow.state !== 'running'
      ? h('button', {
        type: 'button', class: 'danger', onclick: async () => {
          if (!confirm(`Delete the flow "${flow.name}" with its versions and run log?`)) return;
          try {
            await api('DELETE', `/flows/${encodeURIComponent(flowId)}`);
            location.hash = '#/';
          } catch (e) { message.replaceChildren(problemView(e)); }
        },
      }, 'Delete flow')
      : null);

  const page = h('div', {},
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Dashboard'), ' / ', flow.name),
    h('div', { class: 'title-row' }, h('h1', {}, flow.name), badge(flow.state)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Live version'), h('dd', {}, flow.liveVersion ? `v${flow.liveVersion}` : '—'),
      h('dt', {}, 'Latest version'), h('dd', {}, flow.latestVersion ? `v${flow.latestVersion}` : 'not published'),
      h('dt', {}, 'Hook URL'), h('dd', { class: 'url' }, url
        ? [h('code', { id: 'hook-url' }, url), ' ', copyButton(() => url, 'Copy hook URL')]
        : 'none while the flow is not running')),
    controls, message,
    h('section', { 'aria-labelledby': 'runlog-h' }, h('h2', { id: 'runlog-h' }, 'Run log'), filterForm(flowId, filters), runLog),
    h('section', { 'aria-labelledby': 'refused-h' }, h('h2', { id: 'refused-h' }, 'Refused deliveries'), refused),
    h('section', { 'aria-labelledby': 'versions-h' }, h('h2', { id: 'versions-h' }, 'Version history'), await versionsView(flow)));
  setPage(flow.name, page);

  let last = null;
  const load = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), skip: String(filters.skip) });
    if (filters.status) params.set('status', filters.status);
    if (filters.from) params.set('from', new Date(filters.from).toISOString());
    if (filters.to) params.set('to', new Date(filters.to).toISOString());
    const [executions, refusals] = await Promise.all([
      api('GET', `/flows/${encodeURIComponent(flowId)}/executions?${params}`),
      api('GET', `/flows/${encodeURIComponent(flowId)}/refused`),
    ]);
    const key = JSON.stringify([executions, refusals]);
    if (key === last) return;
    last = key;
    // Only what changed is updated: the focused control, the scroll position and open details stay.
    morphChildren(runLog, [executionsTable(executions.items, flowId, filters)]);
    morphChildren(refused, [refusedTable(refusals)]);
  };
  await load();
  poll(load, 2000);
}

function filterForm(flowId, filters) {
  const status = select([['', 'All'], ...STATUSES.map((st) => [st, st])], filters.status);
  const from = h('input', { type: 'datetime-local', value: filters.from });
  const to = h('input', { type: 'datetime-local', value: filters.to });
  return h('form', {
    class: 'filters', onsubmit: (event) => {
      event.preventDefault();
      const params = new URLSearchParams();
      if (status.value) params.set('status', status.value);
      if (from.value) params.set('from', from.value);
      if (to.value) params.set('to', to.value);
      location.hash = `#/flows/${encodeURIComponent(flowId)}?${params}`;
    },
  }, field('Status', status), field('From', from), field('To', to), h('button', { type: 'submit' }, 'Apply filters'));
}

function executionsTable(items, flowId, filters) {
  const pageLink = (skip, label) => {
    const params = new URLSearchParams();
    if (filters.status) params.set('status', filters.status);
    if (filters.from) params.set('from', filters.from);
    if (filters.to) params.set('to', filters.to);
    params.set('skip', String(skip));
    return h('a', { class: 'button secondary', href: `#/flows/${encodeURIComponent(flowId)}?${params}` }, label);
  };
  const pageNumber = Math.floor(filters.skip / PAGE_SIZE) + 1;
  return h('div', {},
    items.length === 0
      ? h('p', { class: 'empty' }, filters.skip ? 'No more executions.' : 'No execution yet: send a request to the hook URL.')
      : tableWrap('Executions', h('table', { class: 'executions' },
        h('caption', {}, `Executions, newest first (page ${pageNumber})`),
        h('thead', {}, h('tr', {}, ['Started', 'Status', 'Version', 'Duration', 'Request id'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, items.map((e) => h('tr', { 'data-execution': e.id },
          h('th', { scope: 'row' }, h('a', { href: `#/executions/${encodeURIComponent(e.id)}` }, time(e.startedAt))),
          h('td', {}, badge(e.status)),
          h('td', {}, `v${e.flowVersion}`),
          h('td', {}, e.finishedAt ? `${Math.max(0, new Date(e.finishedAt) - new Date(e.startedAt))} ms` : '—'),
          h('td', {}, h('code', {}, e.requestId))))))),
    h('nav', { class: 'pager', 'aria-label': 'Run log pages' },
      filters.skip > 0 ? pageLink(Math.max(0, filters.skip - PAGE_SIZE), 'Newer executions') : null,
      items.length === PAGE_SIZE ? pageLink(filters.skip + PAGE_SIZE, 'Older executions') : null));
}

function refusedTable(refusals) {
  if (refusals.items.length === 0) {
    return h('p', { class: 'empty' }, `No refused request (the last ${refusals.maxPerFlow} are kept).`);
  }
  return tableWrap('Refused deliveries', h('table', { class: 'refused' },
    h('caption', {}, `The last refused hook requests (at most ${refusals.maxPerFlow}), newest first; secrets in headers shown as ***`),
    h('thead', {}, h('tr', {}, ['Time', 'Status', 'Reason', 'Body size', 'Headers'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, refusals.items.map((r) => h('tr', { 'data-key': `${r.receivedAt} ${r.status} ${r.reason}` },
      h('td', {}, time(r.receivedAt)),
      h('td', {}, String(r.status)),
      h('td', {}, h('strong', {}, r.reason), r.detail ? h('div', { class: 'detail' }, r.detail) : null),
      h('td', {}, r.bodySize === null || r.bodySize === undefined ? 'unknown' : `${r.bodySize} bytes`),
      h('td', {}, h('details', {}, h('summary', {}, `${Object.keys(r.headers).length} headers, ${r.method} ${r.contentType || ''}`),
        h('dl', { class: 'headers' }, Object.entries(r.headers).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])))))))));
}

/** Which version is live, and what the draft changes compared with the latest version. */
async function versionsView(flow) {
  if (!flow.latestVersion) return h('p', { class: 'empty' }, 'Not published yet: the draft is all there is.');
  const numbers = [];
  for (let n = flow.latestVersion; n >= 1 && numbers.length < 10; n--) numbers.push(n);
  const versions = await Promise.all(numbers.map((n) => api('GET', `/flows/${encodeURIComponent(flow.id)}/versions/${n}`).catch(() => null)));
  const latest = versions[0];
  const changes = latest ? diffDraft(latest.definition, flow.draft) : [];
  return h('div', {},
    h('ol', { class: 'versions', reversed: true }, versions.filter(Boolean).map((v) => h('li', {},
      `Version ${v.version}, published ${time(v.publishedAt)}`,
      v.version === flow.liveVersion ? [' ', h('span', { class: 'badge running' }, 'live')] : null))),
    h('h3', {}, `What the draft changes from version ${flow.latestVersion}`),
    changes.length ? h('ul', { class: 'changes' }, changes.map((c) => h('li', {}, c))) : h('p', { class: 'empty' }, 'Nothing: the draft is the latest version.'));
}

function comparable(step) {
  const { fields, inMetadata, outMetadata, ...rest } = step;
  if (rest.sample) rest.sample = { format: rest.sample.format, data: rest.sample.data };
  return JSON.stringify(rest);
}

function diffDraft(version, draft) {
  const changes = [];
  if (version.name !== draft.name) changes.push(`The name: "${version.name}" → "${draft.name}".`);
  const before = new Map(version.steps.map((st) => [st.id, st]));
  const after = new Map(draft.steps.map((st) => [st.id, st]));
  for (const [id, step] of after) {
    if (!before.has(id)) { changes.push(`Step ${id} added (${step.componentId} ${step.function}).`); continue; }
    const old = JSON.parse(comparable(before.get(id)));
    const now = JSON.parse(comparable(step));
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]));
    if (keys.length) changes.push(`Step ${id} changed: ${keys.join(', ')}.`);
  }
  for (const id of before.keys()) if (!after.has(id)) changes.push(`Step ${id} removed.`);
  return changes;
}

// ---------------------------------------------------------------------------------------------------------- execution page

async function executionView(executionId) {
  const execution = await api('GET', `/executions/${encodeURIComponent(executionId)}`);
  const flow = await api('GET', `/flows/${encodeURIComponent(execution.flowId)}`).catch(() => null);
  const message = h('div', { class: 'message', 'aria-live': 'polite' });
  const steps = execution.steps;
  const stepNames = new Map(flow ? flow.draft.steps.filter((st) => st.name).map((st) => [st.id, st.name]) : []);
  const failedIndex = steps.findIndex((st) => st.stepId === execution.failedStepId);
  const previous = failedIndex > 0 ? steps.slice(0, failedIndex).reverse().find((st) => st.status === 'succeeded') : null;
  const retry = async (edited) => {
    message.replaceChildren();
    try {
      let payload;
      if (edited !== undefined) {
        let parsed;
        try { parsed = JSON.parse(edited); } catch (e) { throw new ApiError(0, { detail: `The edited message is not JSON: ${e.message}` }); }
        payload = { message: parsed };
      }
      await api('POST', `/executions/${encodeURIComponent(executionId)}/retry`, payload);
      toast('Retrying');
      await refresh();
    } catch (e) { message.replaceChildren(problemView(e)); }
  };
  const edited = h('textarea', { rows: '8', class: 'code', spellcheck: 'false' });
  edited.value = previous && previous.output !== undefined ? JSON.stringify(previous.output, null, 2) : '{}';

  setPage(`Execution ${executionId}`, h('div', {},
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Dashboard'), ' / ',
      h('a', { href: `#/flows/${encodeURIComponent(execution.flowId)}` }, flow ? flow.name : execution.flowId), ' / execution'),
    h('div', { class: 'title-row' }, h('h1', {}, 'Execution'), badge(execution.status)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Id'), h('dd', {}, h('code', {}, execution.id)),
      h('dt', {}, 'Request id'), h('dd', {}, h('code', {}, execution.requestId)),
      h('dt', {}, 'Flow version'), h('dd', {}, `v${execution.flowVersion}`),
      h('dt', {}, 'Started'), h('dd', {}, time(execution.startedAt)),
      h('dt', {}, 'Finished'), h('dd', {}, time(execution.finishedAt)),
      h('dt', {}, 'Deliveries'), h('dd', {}, String(execution.deliveryCount))),
    execution.status === 'failed' ? h('div', { class: 'retry' },
      h('button', { type: 'button', onclick: () => retry() }, 'Retry'),
      h('details', {}, h('summary', {}, 'Retry with an edited message'),
        field('Edited message (JSON)', edited, `The message step ${execution.failedStepId || ''} gets instead of the original.`),
        h('button', { type: 'button', onclick: () => retry(edited.value) }, 'Retry with this message'))) : null,
    message,
    h('h2', {}, 'Step attempts'),
    steps.map((st, i) => h('section', { class: `attempt ${st.status}`, 'aria-label': `Step ${st.stepId}, attempt ${st.attempt}` },
      h('h3', {}, `${i + 1}. ${stepNames.get(st.stepId) ? `${stepNames.get(st.stepId)} (${st.stepId})` : st.stepId}`, ' ', badge(st.status)),
      h('p', { class: 'muted' }, `Attempt ${st.attempt} · started ${time(st.startedAt)} · ${st.durationMs} ms`),
      h('div', { class: 'io' },
        h('div', {}, h('h4', {}, 'Input'), pre(st.input, `Input of ${st.stepId}`)),
        h('div', {}, h('h4', {}, 'Output'), pre(st.output, `Output of ${st.stepId}`))),
      st.error ? h('div', { class: 'error-box' }, h('h4', {}, 'Error'), pre(st.error, `Error of ${st.stepId}`)) : null))));
  if (execution.status === 'running' || execution.status === 'rebounding') {
    poll(async () => {
      const again = await api('GET', `/executions/${encodeURIComponent(executionId)}`);
      if (JSON.stringify(again) !== JSON.stringify(execution)) await refresh();
    }, 1500);
  }
}

// -------------------------------------------------------------------------------------------------------- credentials page

async function credentialsView() {
  const credentials = (await api('GET', '/credentials')).items;
  const message = h('div', { class: 'message', 'aria-live': 'polite' });
  setPage('Credentials', h('div', {},
    h('h1', {}, 'Credentials'), message,
    credentials.length === 0 ? h('p', { class: 'empty' }, 'No credentials yet: the designer connects them.')
      : tableWrap('Credentials', h('table', {},
        h('caption', {}, 'Credentials (secrets are never shown)'),
        h('thead', {}, h('tr', {}, ['Name', 'Component', 'Fields', 'Created', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, credentials.map((c) => h('tr', {},
          h('th', { scope: 'row' }, c.name), h('td', {}, c.componentId),
          h('td', {}, Object.entries(c.fields).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')),
          h('td', {}, time(c.createdAt)),
          h('td', {}, h('button', {
            type: 'button', class: 'danger', onclick: async () => {
              try {
                await api('DELETE', `/credentials/${encodeURIComponent(c.id)}`);
                toast(`Deleted ${c.name}`);
                await refresh();
              } catch (e) { message.replaceChildren(problemView(e)); }
            },
          }, `Delete ${c.name}`)))))))));
}

// ---------------------------------------------------------------------------------------------------------------- designer

const WEBHOOK_TYPES = [['none', 'No Auth'], ['basic', 'Basic Auth'], ['apiKey', 'API Key Auth'], ['hmac', 'HMAC verification']];
const HMAC_PRESETS = [['', 'Custom'], ['github', 'GitHub'], ['stripe', 'Stripe'], ['standard-webhooks', 'Standard Webhooks'], ['shopify', 'Shopify']];
const FORMATS = [['json', 'JSON'], ['xml', 'XML'], ['properties', 'List of properties']];
const SAMPLE_PLACEHOLDER = { json: '{"petname": "Gromit", "petstatus": "sold"}', xml: '<pet><petname>Gromit</petname><petstatus>sold</petstatus></pet>', properties: 'petname, petstatus' };

const designer = { state: null };

async function designerView(flowId) {
  const components = (await api('GET', '/components')).items;
  const byId = new Map(components.map((c) => [c.id, c]));
  let state = designer.state;
  if (!state || state.flowId !== (flowId || state.flowId) || (!flowId && state.flowId)) {
    state = { flowId: flowId || null, name: '', steps: [], index: 0, panel: 'component', fields: {} };
    if (flowId) {
      const flow = await api('GET', `/flows/${encodeURIComponent(flowId)}`);
      state.name = flow.name;
      state.named = true;
      state.steps = flow.draft.steps.map(cleanStep);
      flow.draft.steps.forEach((st) => { state.fields[st.id] = { fields: st.fields || [], sample: st.sample ? st.sample.sample : null }; });
      state.index = Math.max(0, state.steps.length - 1);
      state.panel = state.steps.length ? 'summary' : 'component';
    }
    designer.state = state;
  }

  const message = h('div', { class: 'message', 'aria-live': 'polite' });
  const panel = h('section', { class: 'panel', 'aria-live': 'polite' });
  const stepsNav = h('ol', { class: 'step-list' });
  const fail = (e) => message.replaceChildren(problemView(e));
  const go = (panelName, index) => {
    state.panel = panelName;
    if (index !== undefined) state.index = index;
    message.replaceChildren();
    draw();
    const focus = panel.querySelector('h2');
    if (focus) { focus.setAttribute('tabindex', '-1'); focus.focus(); }
  };
  const step = () => state.steps[state.index];
  const componentOf = (st) => byId.get(st.componentId) || { id: st.componentId, title: st.componentId, triggers: [], actions: [], credentialFields: [] };
  const functionTitle = (st) => {
    const c = componentOf(st);
    const f = [...c.triggers, ...c.actions].find((x) => x.name === st.function);
    return f ? f.title : st.function;
  };

  /** Saves the draft: creates the flow the first time, replaces its draft afterwards. */
  const save = async () => {
    const draft = { name: state.named && state.name ? state.name : suggestName(), steps: state.steps.map(cleanStep) };
    const flow = state.flowId
      ? await api('PUT', `/flows/${encodeURIComponent(state.flowId)}/draft`, draft)
      : await api('POST', '/flows', draft);
    state.flowId = flow.id;
    if (state.named) state.name = flow.name;
    flow.draft.steps.forEach((st) => {
      state.fields[st.id] = { fields: st.fields || [], sample: st.sample ? st.sample.sample : (state.fields[st.id] || {}).sample };
    });
    return flow;
  };
  const suggestName = () => state.steps.map((st) => componentOf(st).title).filter((t, i, all) => all.indexOf(t) === i).join(' → ') || 'New flow';
  const incoming = () => {
    // The fields and the sample the current step maps from: the previous step's.
    const previous = state.steps[state.index - 1];
    return previous ? (state.fields[previous.id] || { fields: [], sample: null }) : { fields: [], sample: null };
  };
  const stepsBinding = () => {
    const steps = {};
    for (const st of state.steps.slice(0, state.index)) {
      const known = state.fields[st.id];
      if (known && known.sample) steps[st.id] = known.sample;
    }
    return { steps };
  };

  function draw() {
    stepsNav.replaceChildren(...state.steps.map((st, i) => h('li', {}, h('button', {
      type: 'button', class: i === state.index ? 'link current' : 'link', 'aria-current': i === state.index ? 'step' : null,
      onclick: () => go('summary', i),
    }, `Step ${i + 1}: ${st.name || componentOf(st).title}`))));
    const views = { component: componentPanel, credentials: credentialsPanel, sample: samplePanel, summary: summaryPanel, action: actionPanel, mapping: mappingPanel, outSample: outSamplePanel, name: namePanel };
    panel.replaceChildren(...[].concat(views[state.panel]()));
  }

  // 1-2. The component list, searchable: a trigger first, actions after it.
  function componentPanel() {
    const isTrigger = state.index === 0;
    const search = h('input', { type: 'search', placeholder: 'Webhook, Petstore, …', autocomplete: 'off' });
    const list = h('ul', { class: 'components' });
    let seq = 0;
    const fill = async () => {
      const mine = ++seq;
      try {
        const found = (await api('GET', `/components?search=${encodeURIComponent(search.value.trim())}`)).items
          .filter((c) => (isTrigger ? c.triggers.length : c.actions.length));
        if (mine !== seq) return;
        list.replaceChildren(...(found.length ? found.map((c) => h('li', {},
          h('div', {}, h('strong', {}, c.title), c.description ? h('p', { class: 'muted' }, c.description) : null),
          h('button', {
            type: 'button', onclick: () => {
              state.steps[state.index] = {
                id: step() ? step().id : `step_${state.index + 1}`,
                componentId: c.id,
                function: isTrigger ? c.triggers[0].name : '',
              };
              go('credentials');
            },
          }, `Choose ${c.title}`))) : [h('li', { class: 'empty' }, 'No component matches.')]));
      } catch (e) { fail(e); }
    };
    search.addEventListener('input', fill);
    fill();
    return [h('h2', {}, isTrigger ? 'Choose the trigger' : `Step ${state.index + 1}: choose a component`),
      field('Search components', search), list];
  }

  // 3 and 6. Credentials: choose one, or connect new ones.
  function credentialsPanel() {
    const st = step();
    const c = componentOf(st);
    const isWebhook = c.id === 'webhook';
    const box = h('div', {});
    const existing = h('div', {});
    const next = () => go(state.index === 0 ? 'sample' : 'action');
    api('GET', '/credentials').then((all) => {
      const mine = all.items.filter((x) => x.componentId === c.id);
      if (!mine.length) return;
      const choice = select(mine.map((x) => [x.id, x.name]), st.credentialId);
      existing.replaceChildren(field('Existing credentials', choice),
        h('button', { type: 'button', class: 'secondary', onclick: () => { st.credentialId = choice.value; next(); } }, 'Use these credentials'));
    }).catch(fail);

    const form = () => {
      const account = h('input', { type: 'text', autocomplete: 'off', value: isWebhook ? 'Webhook credentials' : `${c.title} account` });
      const inputs = {};
      const typeFields = h('div', {});
      let type = null;
      const progress = h('div', { class: 'progress', 'aria-live': 'polite' });
      const drawType = () => {
        const t = type ? type.value : null;
        const make = (name, label, secret, value, hint) => {
          inputs[name] = h('input', { type: secret ? 'password' : 'text', autocomplete: 'off', value });
          return field(label, inputs[name], hint);
        };
        for (const key of Object.keys(inputs)) delete inputs[key];
        if (!isWebhook) {
          typeFields.replaceChildren(...c.credentialFields.map((f) => make(f.name, f.label, f.secret)));
          return;
        }
        if (t === 'basic') typeFields.replaceChildren(make('username', 'Username'), make('password', 'Password', true));
        else if (t === 'apiKey') typeFields.replaceChildren(make('headerName', 'Header name', false, 'x-api-key'), make('headerValue', 'Header value', true));
        else if (t === 'hmac') {
          const preset = select(HMAC_PRESETS, '');
          inputs.preset = preset;
          const custom = h('div', {});
          const drawPreset = () => {
            for (const key of ['algorithm', 'headerName', 'encoding', 'prefix']) delete inputs[key];
            if (preset.value) { custom.replaceChildren(h('p', { class: 'muted' }, 'The preset sets the header, algorithm and encoding.')); return; }
            inputs.algorithm = select(['sha256', 'sha512', 'sha1'], 'sha256');
            inputs.encoding = select(['hex', 'base64'], 'hex');
            custom.replaceChildren(field('Algorithm', inputs.algorithm), make('headerName', 'Header name', false, 'x-eio-signature'),
              field('Encoding', inputs.encoding), make('prefix', 'Prefix', false, '', 'For example sha256='));
          };
          preset.addEventListener('change', drawPreset);
          drawPreset();
          typeFields.replaceChildren(field('Preset', preset), make('secret', 'Secret', true), custom);
        } else typeFields.replaceChildren(h('p', { class: 'muted' }, 'Anyone who knows the hook URL may call it.'));
      };
      if (isWebhook) {
        type = select(WEBHOOK_TYPES, 'none');
        type.addEventListener('change', drawType);
      }
      drawType();
      const saveButton = h('button', {
        type: 'submit',
      }, 'Save');
      return h('form', {
        class: 'card', onsubmit: async (event) => {
          event.preventDefault();
          message.replaceChildren();
          const fields = {};
          if (isWebhook) fields.type = type.value;
          for (const [name, input] of Object.entries(inputs)) if (input && input.value !== '') fields[name] = input.value;
          saveButton.disabled = true;
          try {
            const created = await api('POST', '/credentials', { name: account.value, componentId: c.id, fields });
            if (!isWebhook) {
              // The component checks the credentials, within 30 s: show the time going by.
              const started = Date.now();
              const bar = h('progress', { max: '30', value: '0', 'aria-label': 'Verifying the credentials' });
              const label = h('span', {}, 'Verifying… 0 s of at most 30 s');
              progress.replaceChildren(bar, ' ', label);
              const timer = setInterval(() => {
                const seconds = Math.min(30, Math.round((Date.now() - started) / 1000));
                bar.value = seconds;
                label.textContent = `Verifying… ${seconds} s of at most 30 s`;
              }, 250);
              let result;
              try { result = await api('POST', `/credentials/${encodeURIComponent(created.id)}/verify`); } finally { clearInterval(timer); }
              if (!result.verified) {
                progress.replaceChildren(h('span', { class: 'problem', role: 'alert' }, `Not verified: ${result.reason || 'the component refused them'}`));
                return;
              }
              progress.replaceChildren(h('span', { class: 'ok' }, 'Verified'));
            }
            st.credentialId = created.id;
            toast(`Saved ${created.name}`);
            next();
          } catch (e) { fail(e); } finally { saveButton.disabled = false; }
        },
      }, field('Account name', account), type ? field('Type', type) : null, typeFields, progress, saveButton);
    };
    return [h('h2', {}, `Credentials for ${c.title}`), existing,
      h('button', { type: 'button', class: 'secondary', onclick: (event) => { event.target.remove(); box.replaceChildren(form()); box.querySelector('input').focus(); } }, 'Connect new credentials'),
      box];
  }

  // 4. The trigger's sample, added by hand and checked as it is saved.
  function samplePanel() {
    const st = step();
    const format = select(FORMATS, st.sample ? st.sample.format : 'json');
    const text = h('textarea', { rows: '8', class: 'code', spellcheck: 'false' });
    text.value = st.sample ? st.sample.data : '';
    text.placeholder = SAMPLE_PLACEHOLDER[format.value];
    format.addEventListener('change', () => { text.placeholder = SAMPLE_PLACEHOLDER[format.value]; });
    const result = h('div', { 'aria-live': 'polite' });
    const known = state.fields[st.id];
    const cont = h('button', { type: 'button', disabled: !(st.sample && known && known.fields.length) ? true : null, onclick: () => go('summary') }, 'Continue');
    const showFields = (fields) => result.replaceChildren(h('p', { class: 'ok' }, `The sample has ${fields.length} field(s):`),
      h('ul', { class: 'fields' }, fields.map((f) => h('li', {}, h('code', {}, f.path), ` ${f.type || ''}`))));
    const form = h('form', {
      class: 'card', hidden: st.sample ? null : true, onsubmit: async (event) => {
        event.preventDefault();
        try {
          const parsed = await api('POST', '/samples/parse', { format: format.value, sample: text.value });
          st.sample = { format: format.value, data: text.value };
          state.fields[st.id] = { fields: parsed.fields, sample: parsed.sample };
          showFields(parsed.fields);
          cont.disabled = false;
          cont.focus();
        } catch (e) {
          cont.disabled = true;
          const p = e.problem || {};
          result.replaceChildren(h('div', { class: 'problem', role: 'alert' },
            p.line ? `Line ${p.line}, position ${p.position}: ` : (p.entry ? `Entry "${p.entry}": ` : ''), e.message));
        }
      },
    }, field('Format type', format), field('Sample', text), h('button', { type: 'submit' }, 'Save'));
    if (known && known.fields.length) showFields(known.fields);
    return [h('h2', {}, 'The sample of the incoming data'),
      h('p', { class: 'muted' }, 'An example of what the webhook sender posts: its fields feed the mappings of the next steps.'),
      h('button', { type: 'button', class: 'secondary', onclick: (event) => { event.target.remove(); form.hidden = false; text.focus(); } , hidden: st.sample ? true : null }, 'Add sample manually'),
      form, result, cont];
  }

  // 5 and 9. The step summary: its name and note; another step, or done.
  function summaryPanel() {
    const st = step();
    const c = componentOf(st);
    const name = h('input', { type: 'text', value: st.name || '', maxlength: '200' });
    const note = h('textarea', { rows: '3', maxlength: '2000' });
    note.value = st.note || '';
    name.addEventListener('input', () => { st.name = name.value || undefined; });
    note.addEventListener('input', () => { st.note = note.value || undefined; });
    const known = state.fields[st.id] || { fields: [] };
    const saveThen = async (then) => {
      try { await save(); then(); } catch (e) { fail(e); }
    };
    return [h('h2', {}, `Step ${state.index + 1}: ${c.title} — ${functionTitle(st)}`),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Component'), h('dd', {}, c.title),
        h('dt', {}, state.index === 0 ? 'Trigger' : 'Action'), h('dd', {}, functionTitle(st)),
        h('dt', {}, 'Credentials'), h('dd', {}, st.credentialId ? 'connected' : 'none'),
        h('dt', {}, 'Fields it offers'), h('dd', {}, known.fields.length ? known.fields.map((f) => f.path).join(', ') : '—')),
      field('Step name', name, 'A name for people, for example "Create the pet".'),
      field('Note', note),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => saveThen(() => go('component', state.steps.length)) }, 'Add another step'),
        h('button', { type: 'button', class: 'secondary', onclick: () => saveThen(() => go('name')) }, "I'm done"),
        state.index > 0 ? h('button', { type: 'button', class: 'link', onclick: () => go('mapping') }, 'Edit the mapping') : null)];
  }

  // 7. The component's actions.
  function actionPanel() {
    const c = componentOf(step());
    return [h('h2', {}, `What should ${c.title} do?`),
      h('ul', { class: 'components' }, c.actions.map((a) => h('li', {},
        h('div', {}, h('strong', {}, a.title), a.description ? h('p', { class: 'muted' }, a.description) : null),
        h('button', { type: 'button', 'aria-label': a.title, onclick: () => { step().function = a.name; go('mapping'); } }, a.title))))];
  }

  // 8. The mapping: a drop-down of the incoming fields per input, or free JSONata with a live preview on the sample.
  function mappingPanel() {
    const st = step();
    const c = componentOf(st);
    const action = c.actions.find((a) => a.name === st.function) || { inFields: [] };
    const { fields, sample } = incoming();
    st.mapping = st.mapping && typeof st.mapping === 'object' ? st.mapping : {};
    const free = h('input', { type: 'checkbox', checked: Object.values(st.mapping).some((e) => !fields.some((f) => f.path === e)) ? true : null });
    const rows = h('div', {});
    const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);
    const drawRows = () => {
      rows.replaceChildren(...action.inFields.map((input) => {
        const label = capital(input.name);
        const preview = h('div', { class: 'preview', 'aria-live': 'polite' });
        const current = st.mapping[input.name] || '';
        let control;
        if (free.checked) {
          control = h('input', { type: 'text', class: 'code', value: current, spellcheck: 'false', autocomplete: 'off' });
          let seq = 0;
          const run = async () => {
            const expression = control.value;
            if (expression.trim()) st.mapping[input.name] = expression; else delete st.mapping[input.name];
            const mine = ++seq;
            if (!expression.trim()) { preview.replaceChildren(); return; }
            try {
              const result = await api('POST', '/mapping/evaluate', { expression, input: sample || {}, bindings: stepsBinding() });
              if (mine !== seq) return;
              preview.replaceChildren(h('span', { class: 'ok' }, 'On the sample: '), h('code', {}, 'result' in result ? JSON.stringify(result.result) : '(nothing)'));
            } catch (e) {
              if (mine !== seq) return;
              preview.replaceChildren(positionError(expression, e));
            }
          };
          control.addEventListener('input', run);
          run();
        } else {
          control = select([['', '— choose an incoming field —'], ...fields.map((f) => [f.path, `${f.path}${f.type ? ` (${f.type})` : ''}`])], current);
          const show = () => {
            if (control.value) st.mapping[input.name] = control.value; else delete st.mapping[input.name];
            const value = control.value && sample ? control.value.split('.').reduce((o, k) => (o == null ? undefined : o[k]), sample) : undefined;
            preview.replaceChildren(control.value ? h('span', { class: 'muted' }, 'On the sample: ', h('code', {}, value === undefined ? '(nothing)' : JSON.stringify(value))) : '');
          };
          control.addEventListener('change', show);
          show();
        }
        return h('div', { class: 'mapping-row' }, field(label, control, `${input.title}${input.required ? ', required' : ''}${input.enum ? ': ' + input.enum.join(', ') : ''}`), preview);
      }));
    };
    free.addEventListener('change', drawRows);
    drawRows();
    return [h('h2', {}, `Map the input of ${action.title || st.function}`),
      h('p', { class: 'muted' }, fields.length ? `Incoming fields from the sample: ${fields.map((f) => f.path).join(', ')}` : 'The previous step has no sample: write JSONata expressions.'),
      h('div', { class: 'field inline' }, free, h('label', { for: (free.id = nextId('free')) }, 'Free JSONata mode')),
      rows,
      h('button', {
        type: 'button', onclick: async () => {
          try { await save(); go('outSample'); } catch (e) { fail(e); }
        },
      }, 'Continue')];
  }

  // 9. A sample of the action's output, from the component.
  function outSamplePanel() {
    const st = step();
    const shown = h('div', { 'aria-live': 'polite' });
    let retrieved = null;
    const choose = h('button', { type: 'button', disabled: true, onclick: () => { state.fields[st.id] = retrieved; go('summary'); } }, 'Choose this sample');
    return [h('h2', {}, `A sample of what ${functionTitle(st)} gives`),
      h('p', { class: 'muted' }, 'The next steps map from it.'),
      h('button', {
        type: 'button', class: 'secondary', onclick: async (event) => {
          event.target.disabled = true;
          shown.replaceChildren(h('span', {}, 'Retrieving…'));
          try {
            const result = await api('POST', `/flows/${encodeURIComponent(state.flowId)}/steps/${encodeURIComponent(st.id)}/sample`);
            const flowStep = result.flow.draft.steps.find((x) => x.id === st.id);
            st.sample = flowStep.sample ? { format: flowStep.sample.format, data: flowStep.sample.data } : undefined;
            retrieved = { fields: flowStep.fields || [], sample: result.sample };
            shown.replaceChildren(pre(result.sample, 'The retrieved sample'));
            choose.disabled = false;
            choose.focus();
          } catch (e) { shown.replaceChildren(); fail(e); } finally { event.target.disabled = false; }
        },
      }, 'Retrieve sample'), shown, choose];
  }

  // 10. The flow's name, with a suggestion.
  function namePanel() {
    const name = h('input', { type: 'text', value: state.named && state.name ? state.name : suggestName(), maxlength: '200' });
    return [h('h2', {}, 'Name the flow'),
      h('form', {
        class: 'card', onsubmit: async (event) => {
          event.preventDefault();
          try {
            state.name = name.value.trim();
            state.named = true;
            const flow = await save();
            designer.state = null;
            toast(`Saved ${flow.name}`);
            location.hash = `#/flows/${encodeURIComponent(flow.id)}`;
          } catch (e) { fail(e); }
        },
      }, field('Flow name', name, `Suggested: ${suggestName()}`), h('button', { type: 'submit' }, "I'm done"))];
  }

  setPage('Designer', h('div', { class: 'designer' },
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Dashboard'), ' / designer'),
    h('h1', {}, state.flowId ? `Designer: ${state.name}` : 'New flow'),
    h('div', { class: 'designer-grid' }, h('nav', { 'aria-label': 'Steps' }, stepsNav), h('div', {}, message, panel))));
  draw();
}

/** The fields a draft step is saved with: what the API takes back. */
function cleanStep(st) {
  const out = { id: st.id, componentId: st.componentId, function: st.function };
  for (const key of ['name', 'note', 'credentialId', 'mappingTimeLimitSeconds', 'configuration']) if (st[key] !== undefined && st[key] !== null && st[key] !== '') out[key] = st[key];
  if (st.sample) out.sample = { format: st.sample.format, data: st.sample.data };
  if (st.mapping && (typeof st.mapping === 'string' || Object.keys(st.mapping).length)) out.mapping = st.mapping;
  return out;
}

/** A JSONata error with its position marked in the expression. */
function positionError(expression, error) {
  const p = error.problem || {};
  if (typeof p.position !== 'number') return h('div', { class: 'problem', role: 'alert' }, error.message);
  const at = Math.max(0, Math.min(expression.length, p.position - 1));
  return h('div', { class: 'problem', role: 'alert' },
    h('div', {}, `Error at position ${p.position}${p.code ? ` (${p.code})` : ''}: ${p.message || error.message}`),
    h('pre', { class: 'marked', 'aria-hidden': 'true' },
      expression.slice(0, at), h('mark', {}, expression.slice(at, at + 1) || ' '), expression.slice(at + 1), '\n', ' '.repeat(at) + '^'));
}

// ------------------------------------------------------------------------------------------------------------------ router

async function refresh() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search] = hash.split('?');
  const query = new URLSearchParams(search || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  stopPolling();
  try {
    if (parts.length === 0) await dashboardView();
    else if (parts[0] === 'flows' && parts[1]) await flowView(parts[1], query);
    else if (parts[0] === 'executions' && parts[1]) await executionView(parts[1]);
    else if (parts[0] === 'credentials') await credentialsView();
    else if (parts[0] === 'designer') await designerView(parts[1]);
    else setPage('Not found', h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the dashboard')));
  } catch (e) {
    setPage('Error', h('h1', {}, 'Something went wrong'), problemView(e), h('p', {}, h('a', { href: '#/' }, 'Back to the dashboard')));
  }
}

let lastHash = null;
window.addEventListener('hashchange', () => {
  if (!location.hash.startsWith('#/designer')) designer.state = null;
  lastHash = location.hash;
  refresh().then(() => main.focus({ preventScroll: true }));
});

const signOut = document.getElementById('signout');
if (body.dataset.signout) {
  signOut.hidden = false;
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    stopPolling();
    try {
      const response = await fetch(body.dataset.signout, { method: 'POST', headers: { [ANTI_FORGERY]: 'dashboard' }, credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      location.assign(SIGN_IN || response.url);
    } catch (e) {
      signOut.disabled = false;
      toast(`Could not sign out: ${e.message}`, true);
      refresh();
    }
  });
}

const openapi = document.getElementById('openapi-link');
if (body.dataset.openapi) {
  openapi.href = body.dataset.openapi;
  openapi.hidden = false;
}
lastHash = location.hash;
refresh();
