// The lab panel's page: signs in with a token, then follows the lab over one websocket. Every
// string from the lab (device names, labels, failure reasons come from terminals and bench files)
// goes into the page as text, never as HTML.

const $ = (id) => document.getElementById(id);
let session;
let bench;
let recent = [];
/** The runs list shows the runs behind a chart point: new runs do not belong in it. */
let runsFiltered = false;
let shownRun;
let socket;

/** An element with text (or child elements) and attributes; text is always text. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) node.setAttribute(name, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ''));
  return node;
}

const badge = (kind, value) => el('span', { class: `badge ${kind}-${value}` }, value ?? '—');
const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const RANK = { viewer: 0, operator: 1, admin: 2 };
const may = (role) => session && RANK[session.role] >= RANK[role];
const runLink = (id, text) => el('a', { href: `#run/${id}` }, text);

async function api(path, init = {}) {
  const headers = {};
  if (init.body) headers['content-type'] = 'application/json';
  if (session && init.method && init.method !== 'GET') headers['x-poshil-csrf'] = session.csrf;
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(body.error ?? response.statusText), { status: response.status });
  return body;
}

// ---- bench ----

/** `site=store-1, model=p3|p5`: every term must match one of its values. */
function parseFilter(text) {
  const bad = text.split(',').map((term) => term.trim()).filter((term) => term && !term.includes('='));
  $('filter').setCustomValidity(bad.length > 0 ? `write key=value (not "${bad[0]}")` : '');
  $('filter').reportValidity();
  return text
    .split(',')
    .map((term) => term.trim())
    .filter((term) => term.includes('='))
    .map((term) => {
      const [key, values = ''] = term.split('=');
      return [key.trim(), values.split('|').map((v) => v.trim())];
    });
}

function renderBench() {
  if (!bench) return;
  renderDevices();
  renderPrompts();
  $('workers').tBodies[0].replaceChildren(...bench.workers.map((w) => el('tr', {}, el('td', {}, w.name), el('td', {}, badge('state', w.state)), el('td', {}, w.host), el('td', {}, w.bench), el('td', {}, time(w.lastSeen)))));
  $('queue').tBodies[0].replaceChildren(
    ...(bench.queue.length === 0 ? [el('tr', {}, el('td', { colspan: '4', class: 'muted' }, 'no job waiting'))] : bench.queue.map((q) => el('tr', {}, el('td', {}, q.selection), el('td', {}, String(q.waiting)), el('td', {}, String(q.running)), el('td', {}, q.waitsFor ?? '')))),
  );
  document.body.dataset.benchAt = bench.at;
}

/** Rows by device, with what they were drawn from: a busy lab redraws only the rows that changed. */
const drawnRows = new Map();

function renderDevices() {
  const terms = parseFilter($('filter').value);
  const shown = bench.devices.filter((d) => terms.every(([key, values]) => values.includes(d.labels[key] ?? (key === 'name' ? d.name : undefined))));
  $('device-count').textContent = shown.length === bench.devices.length ? `(${bench.devices.length})` : `(${shown.length} of ${bench.devices.length})`;
  const rows = shown.map((d) => {
    const drawnFrom = JSON.stringify(d);
    const drawn = drawnRows.get(d.id);
    if (drawn?.drawnFrom === drawnFrom) return drawn.row;
    const row = deviceRow(d);
    drawnRows.set(d.id, { drawnFrom, row });
    return row;
  });
  const body = $('devices').tBodies[0];
  const current = [...body.children];
  const sameDevices = current.length === rows.length && rows.every((row, i) => row.dataset.device === current[i].dataset.device);
  if (!sameDevices) body.replaceChildren(...rows);
  else rows.forEach((row, i) => current[i] !== row && current[i].replaceWith(row));
  // For whoever measures the panel (npm run bench): when the devices were first on the page.
  if (rows.length > 0 && performance.getEntriesByName('poshil:devices-drawn').length === 0) performance.mark('poshil:devices-drawn');
}

function deviceRow(d) {
  const doing = d.run
    ? el('span', {}, runLink(d.run.id, d.run.currentCase ?? d.run.suites.join(', ')), el('span', { class: 'muted' }, ` · ${d.run.casesDone} done${d.run.casesFailed ? `, ${d.run.casesFailed} not passed` : ''}`))
    : el('span', { class: 'muted' }, d.state === 'idle' ? 'waiting for a job' : d.reason);
  // The labels a bench file gives first; name, protocol and transport (which selections may use too) after, greyed.
  const builtIn = ['name', 'protocol', 'transport'];
  const own = Object.entries(d.labels).filter(([key]) => !builtIn.includes(key));
  const given = Object.entries(d.labels).filter(([key]) => builtIn.includes(key));
  const labels = el('span', {}, own.map(([key, value]) => `${key}=${value}`).join(', '), el('span', { class: 'muted' }, given.length > 0 ? `${own.length > 0 ? ', ' : ''}${given.map(([key, value]) => `${key}=${value}`).join(', ')}` : ''));
  return el(
    'tr',
    { 'data-device': d.id, 'data-state': d.state },
    el('td', {}, d.name),
    el('td', {}, badge('state', d.state), d.state === 'quarantined' || d.state === 'offline' ? el('div', { class: 'muted' }, d.reason) : '', d.state === 'quarantined' && may('admin') ? releaseButton(d) : ''),
    el('td', { class: 'doing' }, doing),
    el('td', {}, d.identity?.firmware ?? d.firmware ?? '—'),
    el('td', {}, labels),
    el('td', {}, d.worker ?? '—'),
    el('td', {}, d.last ? runLink(d.last.runId, d.last.outcome ?? 'running') : '—'),
  );
}

/** A run started, moved to its next case, or ended: its device's row says so without a whole new bench. */
function patchDevices(runs) {
  if (!bench) return;
  for (const r of runs) {
    const device = bench.devices.find((d) => d.id === r.deviceId);
    if (!device) continue;
    if (r.state === 'running') {
      device.state = 'leased';
      device.run = { id: r.id, jobId: r.jobId, suites: r.suites, currentCase: r.currentCase ?? undefined, startedAt: r.startedAt, casesDone: r.cases, casesFailed: r.failed };
    } else {
      if (device.run?.id === r.id) {
        delete device.run;
        if (device.state === 'leased') device.state = 'idle';
      }
      device.last = { runId: r.id, outcome: r.outcome, endedAt: r.endedAt };
    }
  }
  renderDevices();
}

/** Prompts are updated in place, never redrawn: an operator may be typing a note in one. */
function renderPrompts() {
  const open = new Map(bench.prompts.map((p) => [p.id, p]));
  const list = $('prompts');
  for (const item of [...list.children]) if (!open.has(item.dataset.prompt)) item.remove();
  for (const p of bench.prompts) {
    if (list.querySelector(`[data-prompt="${p.id}"]`)) continue;
    const note = el('input', { type: 'text', maxlength: '500', placeholder: 'note (optional)', 'aria-label': 'note' });
    const error = el('span', { class: 'error', role: 'alert' });
    const answer = (value) => async () => {
      try {
        await api(`/api/prompts/${p.id}/answer`, { method: 'POST', body: JSON.stringify({ answer: value, ...(note.value ? { note: note.value } : {}) }) });
      } catch (e) {
        error.textContent = e.message;
      }
    };
    const actions = may('operator')
      ? el('div', {}, note, button('Done', answer('done')), button('Could not', answer('declined')), error)
      : el('div', { class: 'muted' }, 'an operator answers this');
    list.append(el('li', { 'data-prompt': p.id }, el('div', { class: 'muted' }, `${p.device} · asked ${time(p.askedAt)} · answer before ${time(p.deadline)} · `, runLink(p.runId, 'run')), el('div', { class: 'text' }, p.text), actions));
  }
  $('prompts-box').hidden = bench.prompts.length === 0;
  $('prompt-count').textContent = `(${bench.prompts.length})`;
  document.title = bench.prompts.length > 0 ? `(${bench.prompts.length}) poshil lab` : 'poshil lab';
}

function button(text, onClick) {
  const node = el('button', { type: 'button' }, text);
  node.addEventListener('click', onClick);
  return node;
}

function releaseButton(device) {
  return button('Release', async (event) => {
    event.target.disabled = true;
    await api(`/api/devices/${encodeURIComponent(device.id)}/release`, { method: 'POST' }).catch((e) => alert(e.message));
  });
}

// ---- runs ----

function renderRuns() {
  $('runs').tBodies[0].replaceChildren(
    ...recent.map((r) =>
      el(
        'tr',
        { 'data-run': r.id },
        el('td', {}, runLink(r.id, time(r.startedAt))),
        el('td', {}, r.device),
        el('td', {}, r.suites.join(', ')),
        el('td', {}, badge('state', r.state)),
        el('td', {}, r.outcome ? badge('outcome', r.outcome) : '—'),
        el('td', {}, `${r.cases}${r.failed ? ` (${r.failed} not passed)` : ''}`),
        el('td', {}, r.firmware ?? '—'),
      ),
    ),
  );
}

function renderRun(run) {
  shownRun = run;
  $('run-title').textContent = `Run on ${run.device}: ${run.suites.join(', ')}`;
  $('run-meta').replaceChildren(
    badge('state', run.state),
    ' ',
    run.outcome ? badge('outcome', run.outcome) : '',
    ` started ${time(run.startedAt)}${run.endedAt ? `, ended ${time(run.endedAt)}` : ''} · worker ${run.worker} · job ${run.jobId} (attempt ${run.attempt})`,
    run.currentCase ? el('div', { class: 'current' }, `now: ${run.currentCase}`) : '',
  );
  const wanted = ['report.html', 'junit.xml', 'record.json', 'certificate.json', 'verdict.json'];
  const files = run.files.filter((f) => wanted.includes(f.name.split('/').pop()));
  const links = files.map((f) => el('a', { href: `/api/runs/${run.id}/files/${f.name}`, target: '_blank', rel: 'noopener' }, f.name));
  // The whole evidence as one download: a lab run's files are in the database (a local run's are on this disk).
  if (run.files.length > 0 && !session?.local) links.push(el('a', { href: `/api/runs/${run.id}/evidence.tar.gz`, download: '' }, 'all evidence (.tar.gz)'));
  $('run-files').replaceChildren(...(links.length > 0 ? links : [el('span', { class: 'muted' }, run.state === 'running' ? 'files arrive when the run ends' : 'no files')]));
  if (run.files.some((f) => f.name.split('/').pop() === 'certificate.json') && !session?.local) void showCertificate(run.id);
  else $('run-certificate').replaceChildren();
  $('again').hidden = !may('admin');
  $('again').dataset.submission = run.submissionId;
  $('cases').tBodies[0].replaceChildren(
    ...run.caseRows.map((c) =>
      el('tr', { 'data-case': `${c.suite}/${c.caseId}` }, el('td', {}, String(c.seq)), el('td', {}, `${c.suite}/${c.caseId}`), el('td', {}, badge('outcome', c.outcome)), el('td', {}, `${Math.round(c.durationMs)} ms`), el('td', { class: 'failure' }, c.firstFailure ?? '', caseDetail(c))),
    ),
  );
  $('run-receipts').replaceChildren(
    ...(run.receipts.length === 0
      ? [el('p', { class: 'muted' }, 'none printed yet')]
      : run.receipts.map((r) => el('figure', { class: 'receipt', 'data-receipt': String(r.n) }, el('figcaption', {}, `#${r.n} ${r.copy}${r.txnId ? ` · ${r.txnId}` : ''}${r.caseId ? ` · ${r.caseId}` : ''}`), el('pre', {}, r.text.join('\n'))))),
  );
  $('run-prompts').tBodies[0].replaceChildren(
    ...(run.prompts.length === 0
      ? [el('tr', {}, el('td', { colspan: '5', class: 'muted' }, 'none'))]
      : run.prompts.map((p) => el('tr', { 'data-prompt': p.id }, el('td', {}, time(p.askedAt)), el('td', {}, p.text), el('td', {}, p.answer ?? 'waiting'), el('td', {}, p.answeredBy ? `${p.answeredBy} in the ${p.answeredVia}` : p.answeredVia ?? ''), el('td', {}, p.note ?? '')))),
  );
}

const checkedCertificates = new Map();

/** A signed run says whether its certificate and evidence are intact, as poshil verify would. */
async function showCertificate(runId) {
  if (!checkedCertificates.has(runId)) checkedCertificates.set(runId, api(`/api/runs/${runId}/certificate`).catch((error) => ({ ok: false, problems: [error.message] })));
  const check = await checkedCertificates.get(runId);
  if (shownRun?.id !== runId) return;
  const key = check.trustedKey ? `the lab's key ${check.keyId}` : `the key it carries (${check.keyId ?? 'unknown'}; start the panel with --key to check against the lab's)`;
  $('run-certificate').replaceChildren(
    check.ok
      ? el('span', { class: 'verified' }, `Certificate ${check.verdict ?? ''} verified: signature and ${check.checkedFiles} files intact, signed with ${key}`)
      : el('span', { class: 'error' }, `Certificate NOT verified: ${check.problems.join('; ')}`),
  );
}

/** A case's steps, what to check when it failed, and the transcript around the failure, folded. */
function caseDetail(c) {
  const detail = c.detail ?? {};
  if (!detail.steps?.length) return '';
  const failed = c.outcome !== 'PASS' && c.outcome !== 'SKIPPED';
  const warnings = detail.steps.reduce((n, s) => n + (s.warnings?.length ?? 0), 0);
  const parts = [
    el(
      'ol',
      { class: 'steps' },
      ...detail.steps.map((s) =>
        el('li', {}, badge('outcome', s.outcome), ` ${s.label} · ${Math.round(s.durationMs)} ms${s.reason ? ` · ${s.reason}` : ''}`, ...(s.warnings ?? []).map((w) => el('div', { class: 'warning' }, `⚠ ${w}`))),
      ),
    ),
  ];
  if (detail.troubleshoot) parts.push(el('p', { class: 'troubleshoot' }, `What to check: ${detail.troubleshoot}`));
  if (detail.excerpt?.length) parts.push(el('pre', { class: 'excerpt' }, detail.excerpt.map((e) => `${String(Math.round(e.ms)).padStart(7)} ms ${e.channel} ${e.dir} ${e.text ?? e.hex ?? ''}`).join('\n')));
  const steps = `${detail.steps.length} step${detail.steps.length === 1 ? '' : 's'}${warnings ? ` · ⚠ ${warnings} warning${warnings === 1 ? '' : 's'}: a check that looked at nothing` : ''}`;
  const box = el('details', {}, el('summary', {}, failed ? 'steps, what to check, transcript' : steps), ...parts);
  if (failed) box.open = true;
  return box;
}

function upsertRecent(run) {
  const index = recent.findIndex((r) => r.id === run.id);
  if (index >= 0) recent[index] = run;
  else if (!runsFiltered) recent = [run, ...recent].slice(0, 100);
}

// ---- history ----

const COLOURS = ['#0969da', '#cf222e', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#1b7c83', '#57606a'];
let historyData;
const charts = [];

/** uPlot is loaded the first time the history is shown: the bench view stays light. */
function loadUplot() {
  if (window.uPlot) return Promise.resolve();
  return new Promise((resolve, reject) => {
    document.head.append(el('link', { rel: 'stylesheet', href: '/assets/vendor/uplot/uPlot.min.css' }));
    const script = el('script', { src: '/assets/vendor/uplot/uPlot.iife.min.js' });
    script.onload = resolve;
    script.onerror = () => reject(new Error('could not load the chart library'));
    document.head.append(script);
  });
}

async function showHistory() {
  const query = new URLSearchParams({ by: $('history-by').value, bucket: $('history-bucket').value, since: $('history-since').value });
  if ($('history-suite').value.trim()) query.set('suite', $('history-suite').value.trim());
  const [data] = await Promise.all([api(`/api/history?${query}`), loadUplot()]);
  historyData = data;
  for (const chart of charts.splice(0)) chart.destroy();
  const width = Math.max(520, Math.min(760, document.body.clientWidth / 2 - 40));
  const plot = (target, fields, percent, none) => {
    const series = data.series.flatMap((s, i) => fields.map(([field, suffix], f) => ({ group: s.group, values: s[field], label: `${s.group}${suffix}`, stroke: COLOURS[i % COLOURS.length], dash: f > 0 ? [6, 4] : undefined })));
    $(target).replaceChildren();
    if (!series.some((s) => s.values.some((v) => v !== null))) return void $(target).append(el('p', { class: 'muted' }, none));
    const chart = new window.uPlot(
      {
        width,
        height: 240,
        scales: { x: { time: true, range: [data.from, data.to] }, y: percent ? { range: [0, 100] } : { auto: true } },
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.stroke, dash: s.dash, spanGaps: true, points: { show: true, size: 6 } }))],
        hooks: { ready: [(u) => u.over.addEventListener('click', () => openPoint(u, series))] },
      },
      [data.times, ...series.map((s) => s.values)],
      $(target),
    );
    charts.push(chart);
  };
  plot('chart-pass', [['passRate', '']], true, 'no results in this span');
  plot('chart-payments', [['paymentSuccessRate', '']], true, 'no load steps in this span');
  plot('chart-latency', [['p50Ms', ' p50'], ['p99Ms', ' p99']], false, 'no load steps in this span');
  plot('chart-tps', [['tps', '']], false, 'no load steps in this span');
}

/** The series nearest the cursor at the clicked time: its runs in that hour or day. */
function openPoint(u, series) {
  const i = u.cursor.idx;
  if (i === null || i === undefined) return;
  let best;
  series.forEach((s, k) => {
    const value = s.values[i];
    if (value === null || value === undefined) return;
    const distance = Math.abs(u.valToPos(value, 'y') - u.cursor.top);
    if (!best || distance < best.distance) best = { distance, group: s.group };
  });
  if (!best) return;
  const from = new Date(historyData.times[i] * 1000);
  const to = new Date(from.getTime() + (historyData.bucket === 'hour' ? 3_600_000 : 86_400_000));
  location.hash = `runs/${new URLSearchParams({ by: historyData.by, value: best.group, from: from.toISOString(), to: to.toISOString() })}`;
}

async function showCompare() {
  const query = new URLSearchParams({ a: $('compare-a').value.trim(), b: $('compare-b').value.trim(), since: $('history-since').value });
  const result = await api(`/api/compare?${query}`);
  const rate = (x) => (x.total ? `${x.passed}/${x.total} (${Math.round((100 * x.passed) / x.total)} %)` : '—');
  const said = { 'only-a': `not run under ${result.b}`, 'only-b': `not run under ${result.a}` };
  $('compare').tBodies[0].replaceChildren(
    ...(result.cases.length === 0
      ? [el('tr', {}, el('td', { colspan: '5', class: 'muted' }, `no results for firmware ${result.a} or ${result.b}`))]
      : result.cases.map((c) => el('tr', {}, el('td', {}, `${c.suite}/${c.caseId}`), el('td', {}, rate(c.a)), el('td', {}, rate(c.b)), el('td', {}, String(c.pValue)), el('td', { class: `verdict-${c.verdict}` }, said[c.verdict] ?? c.verdict)))),
  );
}

// ---- live ----

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`;
  socket = new WebSocket(url);
  socket.onopen = () => {
    setLive(true);
    watch();
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'bench') {
      bench = message.data;
      renderBench();
    } else if (message.type === 'runs') {
      for (const run of message.data) upsertRecent(run);
      patchDevices(message.data);
      if (!$('runs-view').hidden) renderRuns();
    } else if (message.type === 'run') {
      if (shownRun?.id === message.data.id) renderRun(message.data);
    }
  };
  socket.onclose = (event) => {
    setLive(false, event.reason);
    // A local run's panel closes for good when the run ends.
    if (session && !(session.local && event.code === 1000)) setTimeout(connect, 1_000);
  };
}

/** Tells the panel which run this page shows: only then does it send that run whole. */
function watch() {
  if (socket?.readyState !== WebSocket.OPEN) return;
  const [view, id] = location.hash.slice(1).split('/');
  socket.send(JSON.stringify({ watch: view === 'run' && id ? id : null }));
}

function setLive(on, reason) {
  $('live').className = `live ${on ? 'on' : 'off'}`;
  $('live').textContent = on ? 'live' : session?.local && reason ? reason : reason ? `reconnecting (${reason})` : 'reconnecting…';
}

// ---- navigation and session ----

async function show() {
  const [view, id] = (location.hash.slice(1) || 'bench').split('/');
  for (const section of ['signin', 'bench-view', 'runs-view', 'run-view', 'history-view']) $(section).hidden = true;
  if (!session) {
    $('signin').hidden = false;
    return;
  }
  if (view === 'runs') {
    $('runs-view').hidden = false;
    const filter = new URLSearchParams(id ?? '');
    runsFiltered = filter.has('by');
    $('runs-filter').textContent = filter.has('by') ? `(${filter.get('by')} ${filter.get('value')}, ${time(filter.get('from'))} to ${time(filter.get('to'))})` : '';
    recent = await api(`/api/runs?limit=100${filter.has('by') ? `&${filter}` : ''}`);
    renderRuns();
  } else if (view === 'history') {
    $('history-view').hidden = false;
    await showHistory().catch((error) => $('chart-pass').replaceChildren(el('p', { class: 'error' }, error.message)));
  } else if (view === 'run' && id) {
    $('run-view').hidden = false;
    shownRun = undefined;
    try {
      renderRun(await api(`/api/runs/${encodeURIComponent(id)}`));
    } catch (error) {
      $('run-title').textContent = error.message;
    }
  } else {
    $('bench-view').hidden = false;
    renderBench();
  }
}

function signedIn(value) {
  drawnRows.clear();
  session = value;
  $('who').textContent = session.local ? 'a local run, read-only' : `signed in as ${session.role} (token ${session.tokenId})`;
  $('signout').hidden = Boolean(session.local);
  // A local run has no lab behind it: no history to chart.
  document.querySelector('nav a[href="#history"]').hidden = Boolean(session.local);
  connect();
  void show();
}

$('signin-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    signedIn(await api('/api/session', { method: 'POST', body: JSON.stringify({ token: $('token').value.trim() }) }));
    $('token').value = '';
    $('signin-error').textContent = '';
  } catch (error) {
    $('signin-error').textContent = error.message;
  }
});
$('signout').addEventListener('click', async () => {
  await api('/api/session', { method: 'DELETE' }).catch(() => {});
  session = undefined;
  socket?.close();
  $('who').textContent = '';
  $('signout').hidden = true;
  void show();
});
$('history-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void showHistory();
});
$('compare-form').addEventListener('submit', (event) => {
  event.preventDefault();
  showCompare().catch((error) => $('compare').tBodies[0].replaceChildren(el('tr', {}, el('td', { colspan: '5', class: 'error' }, error.message))));
});
$('again').addEventListener('submit', async (event) => {
  event.preventDefault();
  const select = $('again-select').value.trim();
  try {
    const queued = await api(`/api/submissions/${$('again').dataset.submission}/again`, { method: 'POST', body: JSON.stringify(select ? { select } : {}) });
    $('again-result').textContent = `queued: submission ${queued.submission}, ${queued.jobs.length} job(s)`;
  } catch (error) {
    $('again-result').textContent = error.message;
  }
});
$('filter').value = localStorage.getItem('poshil.filter') ?? '';
$('filter').addEventListener('input', () => {
  localStorage.setItem('poshil.filter', $('filter').value);
  if (bench) renderDevices();
});
window.addEventListener('hashchange', () => {
  watch();
  void show();
});

// The bench is asked for beside the session, not after the websocket opens: the first paint waits
// for one round trip, not three.
const firstBench = api('/api/bench').catch(() => undefined);
api('/api/session')
  .then(async (value) => {
    signedIn(value);
    const early = await firstBench;
    if (early && !bench) {
      bench = early;
      renderBench();
    }
  })
  .catch(() => void show());
