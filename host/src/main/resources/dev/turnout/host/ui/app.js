// Turnout's own dashboard: plain JavaScript against the Clash API it is served with. No build step.
'use strict';

const params = new URLSearchParams(location.search);
const state = {
  secret: params.get('secret') ?? localStorage.getItem('turnout.secret') ?? '',
  sockets: [],
  // Two minutes of samples, starting flat, so the graph has a baseline from the first second.
  traffic: Array.from({ length: 120 }, () => ({ up: 0, down: 0 })),
  logs: [],
};
const $ = (id) => document.getElementById(id);

function headers(extra) {
  const h = Object.assign({}, extra);
  if (state.secret) h.Authorization = 'Bearer ' + state.secret;
  return h;
}

async function api(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const r = await fetch(path, init);
  if (r.status === 401) { showLogin('The controller wants its secret.'); throw new Error('unauthorized'); }
  if (!r.ok) {
    let msg = r.statusText;
    try { msg = (await r.json()).message; } catch (e) { /* not JSON */ }
    throw new Error(msg);
  }
  return r.status === 204 ? null : r.json();
}

function socket(path, onLine) {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (state.secret) url.searchParams.set('token', state.secret);
  let ws;
  const open = () => {
    ws = new WebSocket(url);
    ws.onmessage = (e) => { try { onLine(JSON.parse(e.data)); } catch (err) { /* skip a bad line */ } };
    ws.onclose = () => { setTimeout(() => { if (!state.stopped) open(); }, 2000); };
  };
  open();
  state.sockets.push(() => ws && ws.close());
}

function showLogin(message) {
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('status').textContent = 'not connected';
}

function text(el, value) { el.textContent = value; return el; }
function el(tag, cls, value) { const e = document.createElement(tag); if (cls) e.className = cls; if (value !== undefined) e.textContent = value; return e; }

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

// ---- groups

async function loadGroups() {
  const { proxies } = await api('GET', '/proxies');
  const order = (proxies.GLOBAL && proxies.GLOBAL.all) || Object.keys(proxies);
  const groups = order.map((n) => proxies[n]).filter((p) => p && Array.isArray(p.all));
  const box = $('groups');
  box.replaceChildren();
  for (const g of groups) {
    const div = el('div', 'group');
    div.dataset.group = g.name;
    const head = el('div', 'group-head');
    head.append(el('span', 'group-name', g.name), el('span', 'muted', g.type), el('span', 'muted now-label', g.now ? '→ ' + g.now : ''));
    const test = el('button', 'test', 'Test');
    test.type = 'button';
    test.onclick = () => testGroup(g);
    head.append(test);
    div.append(head);
    const members = el('div', 'members');
    for (const m of g.all) {
      const b = el('button', 'member' + (m === g.now ? ' now' : ''));
      b.type = 'button';
      b.dataset.member = m;
      b.append(el('span', 'name', m));
      const last = proxies[m] && proxies[m].history && proxies[m].history.slice(-1)[0];
      const d = el('span', 'delay');
      if (last) { if (last.delay > 0) d.textContent = last.delay + ' ms'; else { d.textContent = 'down'; d.classList.add('down'); } }
      b.append(d);
      if (g.type === 'Selector') {
        b.onclick = async () => {
          try { await api('PUT', '/proxies/' + encodeURIComponent(g.name), { name: m }); } catch (e) { alert(e.message); }
          loadGroups();
        };
      } else {
        b.disabled = true;
      }
      members.append(b);
    }
    div.append(members);
    box.append(div);
  }
}

async function testGroup(g) {
  // Every member, with the group's own health-check URL (no url given) and mihomo's required timeout.
  await api('GET', '/group/' + encodeURIComponent(g.name) + '/delay?timeout=5000').catch(() => null);
  loadGroups();
}

// ---- proxy providers

function delayText(span, node) {
  // The last check, as dashboards show it: its delay, or "down" when it failed; nothing before the first.
  const last = node.history && node.history.slice(-1)[0];
  span.classList.remove('down');
  if (!last) { span.textContent = ''; return; }
  if (last.delay > 0) { span.textContent = last.delay + ' ms'; } else { span.textContent = 'down'; span.classList.add('down'); }
}

function subscriptionText(info) {
  // As metacubexd and zashboard read subscription-userinfo: used = upload + download, of total; expiry a date.
  const used = (info.Upload || 0) + (info.Download || 0);
  const total = info.Total || 0;
  const share = total > 0 ? ' (' + ((used / total) * 100).toFixed(2) + '%)' : '';
  return {
    traffic: bytes(used) + ' / ' + bytes(total) + share,
    expire: info.Expire ? new Date(info.Expire * 1000).toISOString().slice(0, 10) : 'never',
  };
}

async function providerAction(button, method, path) {
  button.disabled = true;
  try { await api(method, path); } catch (e) { alert(e.message); }
  button.disabled = false;
  await Promise.all([loadProviders(), loadGroups()]);
}

async function loadProviders() {
  const { providers } = await api('GET', '/providers/proxies');
  // Dashboards leave out mihomo's "default" and the groups' own Compatible providers; Turnout has neither.
  const list = Object.values(providers).filter((p) => p.name !== 'default' && p.vehicleType !== 'Compatible');
  $('providers-section').hidden = list.length === 0;
  const box = $('providers');
  box.replaceChildren();
  for (const p of list) {
    const div = el('div', 'provider');
    div.dataset.provider = p.name;
    const head = el('div', 'group-head');
    head.append(el('span', 'group-name', p.name), el('span', 'muted vehicle', p.vehicleType),
      el('span', 'muted count', p.proxies.length + (p.proxies.length === 1 ? ' node' : ' nodes')));
    const refresh = el('button', 'refresh', 'Refresh');
    refresh.type = 'button';
    refresh.onclick = () => providerAction(refresh, 'PUT', '/providers/proxies/' + encodeURIComponent(p.name));
    const check = el('button', 'healthcheck', 'Health check');
    check.type = 'button';
    check.onclick = () => providerAction(check, 'GET', '/providers/proxies/' + encodeURIComponent(p.name) + '/healthcheck');
    head.append(refresh, check);
    div.append(head);
    const about = el('div', 'muted about');
    const updated = p.updatedAt && !p.updatedAt.startsWith('0001-') ? new Date(p.updatedAt).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : 'never';
    about.append(el('span', 'updated', 'updated ' + updated));
    if (p.subscriptionInfo) {
      const info = subscriptionText(p.subscriptionInfo);
      about.append(el('span', 'traffic', 'used ' + info.traffic), el('span', 'expire', 'expires ' + info.expire));
    }
    div.append(about);
    const nodes = el('div', 'members');
    for (const n of p.proxies) {
      const s = el('span', 'member node');
      s.dataset.node = n.name;
      s.append(el('span', 'name', n.name));
      const d = el('span', 'delay');
      delayText(d, n);
      s.append(d);
      nodes.append(s);
    }
    div.append(nodes);
    box.append(div);
  }
}

// ---- connections

function renderConnections(snapshot) {
  const body = $('connections');
  const rows = (snapshot.connections || []).slice().sort((a, b) => (a.start < b.start ? 1 : -1));
  text($('conn-count'), rows.length + ' open · ↑ ' + bytes(snapshot.uploadTotal || 0) + ' ↓ ' + bytes(snapshot.downloadTotal || 0));
  body.replaceChildren();
  for (const c of rows) {
    const m = c.metadata;
    const tr = el('tr');
    tr.dataset.id = c.id;
    const dest = (m.host || m.destinationIP) + ':' + m.destinationPort;
    tr.append(el('td', 'dest', dest), el('td', null, m.network + ' ' + m.type),
      el('td', 'rule', c.rule + (c.rulePayload ? ' ' + c.rulePayload : '')),
      el('td', 'chain', (c.chains || []).slice().reverse().join(' → ')),
      el('td', null, bytes(c.upload)), el('td', null, bytes(c.download)));
    const td = el('td');
    const close = el('button', 'close', 'Close');
    close.type = 'button';
    close.onclick = () => api('DELETE', '/connections/' + encodeURIComponent(c.id)).catch(() => null);
    td.append(close);
    tr.append(td);
    body.append(tr);
  }
}

// ---- traffic

function pushTraffic(t) {
  state.traffic.push(t);
  if (state.traffic.length > 120) state.traffic.shift();
  text($('rates'), '↑ ' + bytes(t.up) + '/s ↓ ' + bytes(t.down) + '/s');
  const c = $('traffic');
  const ctx = c.getContext('2d');
  const w = c.width, h = c.height;
  ctx.clearRect(0, 0, w, h);
  const max = Math.max(1024, ...state.traffic.map((x) => Math.max(x.up, x.down)));
  const step = w / 119;
  for (const [key, colour] of [['down', '#1f6feb'], ['up', '#1a7f37']]) {
    ctx.beginPath();
    ctx.strokeStyle = colour;
    state.traffic.forEach((x, i) => {
      const px = w - (state.traffic.length - 1 - i) * step;
      const py = h - 2 - (x[key] / max) * (h - 6);
      if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    });
    ctx.stroke();
  }
  ctx.fillStyle = '#6b7380';
  ctx.fillText(bytes(max) + '/s', 4, 12);
}

// ---- rules, logs, mode

async function loadRules() {
  const { rules } = await api('GET', '/rules');
  const list = $('rules');
  list.replaceChildren();
  text($('rule-count'), rules.length + '');
  for (const r of rules) list.append(el('li', null, r.type + (r.payload ? ',' + r.payload : '') + ' → ' + r.proxy));
}

function pushLog(l) {
  state.logs.push('[' + l.type + '] ' + l.payload);
  if (state.logs.length > 300) state.logs.shift();
  const pre = $('logs');
  const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.textContent = state.logs.join('\n');
  if (atBottom) pre.scrollTop = pre.scrollHeight;
}

async function loadConfig() {
  const c = await api('GET', '/configs');
  $('mode').value = c.mode;
}

async function start() {
  try {
    const v = await api('GET', '/version');
    text($('version'), v.version);
  } catch (e) {
    if (e.message !== 'unauthorized') $('status').textContent = 'error: ' + e.message;
    return;
  }
  $('login').hidden = true;
  $('status').textContent = 'connected';
  await Promise.all([loadGroups(), loadProviders(), loadRules(), loadConfig()]);
  socket('/connections?interval=1000', renderConnections);
  socket('/traffic', pushTraffic);
  socket('/logs?level=info', pushLog);
  setInterval(() => { loadGroups().catch(() => null); loadProviders().catch(() => null); }, 5000);
}

$('login').onsubmit = (e) => {
  e.preventDefault();
  state.secret = $('secret').value;
  localStorage.setItem('turnout.secret', state.secret);
  start();
};
$('mode').onchange = () => api('PATCH', '/configs', { mode: $('mode').value }).catch((e) => alert(e.message));
$('close-all').onclick = () => api('DELETE', '/connections').catch(() => null);
if (params.get('secret') !== null) localStorage.setItem('turnout.secret', state.secret);
start();
