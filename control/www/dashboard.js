// SPDX-License-Identifier: BSD-3-Clause
// The dpwan dashboard (issue 11). Asks for an API token, keeps it in this tab's
// sessionStorage (never in a URL) and sends it as "Authorization: Bearer" with every
// request; polls the REST API of the appliance it was served by (nothing else is ever
// fetched) and draws its graphs as SVG. Buttons that change a WAN are made only for an
// admin token (GET /api/v1/whoami); the API refuses them to others anyway.
'use strict';

(function () {
	const TOKEN_KEY = 'dpwan.token';
	const FETCH_TIMEOUT_MS = 5000;
	const POLL_MS = { wans: 500, status: 5000, history: 5000, policies: 5000,
		events: 2000, sessions: 10000 };
	const EVENTS_KEPT = 100;
	const EVENT_PAGES_MAX = 50;      // at load: the newest events are after these pages
	const CLIENTS_SHOWN = 10;
	const SPAN_S = 3600;
	const COLORS = ['#1a73e8', '#d93025', '#188038', '#a142f4', '#e37400', '#12b5cb',
		'#795548', '#e52592'];
	const SVGNS = 'http://www.w3.org/2000/svg';
	const ACTIONS = { enable: 'Enable', disable: 'Disable', 'force-down': 'Force down',
		clear: 'Clear force-down' };

	let token = null;
	let role = null;
	let running = false;
	let timers = {};                 // poller -> its next run
	let wans = [];                   // GET /api/v1/wans
	let hist = { now: 0, wans: {} }; // name -> {t, state, rtt_us ..., thresholds, since}
	let histLast = null;             // the newest sample time seen (Unix s)
	let events = [];                 // oldest first, at most EVENTS_KEPT
	let eventsLast = 0;
	let eventsPrimed = false;
	const cards = {};                // name -> {root, fields, buttons}
	const errors = {};               // poller -> message

	const $ = (id) => document.getElementById(id);

	function el(tag, cls, text) {
		const e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function svg(tag, attrs) {
		const e = document.createElementNS(SVGNS, tag);
		for (const k in attrs)
			e.setAttribute(k, attrs[k]);
		return e;
	}

	// ---- the API ----------------------------------------------------------------------

	class ApiError extends Error {
		constructor(status, detail) {
			super(detail);
			this.status = status;
		}
	}

	async function api(method, path) {
		const ctl = new AbortController();
		const t = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
		let resp;
		try {
			resp = await fetch(path, {
				method: method,
				headers: { 'Authorization': 'Bearer ' + token,
					'Accept': 'application/json' },
				cache: 'no-store',
				credentials: 'omit',
				redirect: 'error',
				signal: ctl.signal,
			});
		} catch (e) {
			throw new ApiError(0, e.name === 'AbortError' ? 'no answer within ' +
				FETCH_TIMEOUT_MS / 1000 + ' s' : 'unreachable: ' + e.message);
		} finally {
			clearTimeout(t);
		}
		let body = null;
		try {
			body = await resp.json();
		} catch (e) {
			body = null;
		}
		if (!resp.ok) {
			const detail = body && body.detail ? body.detail : 'HTTP ' + resp.status;
			if (resp.status === 401 && running)
				signOut('The token was refused: ' + detail);
			throw new ApiError(resp.status, detail);
		}
		return body;
	}

	// ---- formatting -------------------------------------------------------------------

	function dur(s) {
		if (s === null || s === undefined || !isFinite(s))
			return '–';
		s = Math.max(0, Math.floor(s));
		const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
		const m = Math.floor(s % 3600 / 60), sec = s % 60;
		const p2 = (x) => String(x).padStart(2, '0');
		if (d > 0)
			return d + 'd ' + p2(h) + 'h';
		if (h > 0)
			return h + 'h ' + p2(m) + 'm';
		if (m > 0)
			return m + 'm ' + p2(sec) + 's';
		return sec + 's';
	}

	function rate(bps) {
		if (bps === null || bps === undefined)
			return '–';
		const u = [['Gbit/s', 1e9], ['Mbit/s', 1e6], ['kbit/s', 1e3]];
		for (const [n, v] of u)
			if (bps >= v)
				return (bps / v).toFixed(bps >= 10 * v ? 0 : 1) + ' ' + n;
		return Math.round(bps) + ' bit/s';
	}

	function bytes(n) {
		const u = [['GB', 1e9], ['MB', 1e6], ['kB', 1e3]];
		for (const [name, v] of u)
			if (n >= v)
				return (n / v).toFixed(1) + ' ' + name;
		return n + ' B';
	}

	function num(v, digits) {
		return v === null || v === undefined ? '–' : Number(v).toFixed(digits);
	}

	function colorOf(name) {
		const i = wans.findIndex((w) => w.name === name);
		return COLORS[(i < 0 ? 0 : i) % COLORS.length];
	}

	// ---- errors -----------------------------------------------------------------------

	function setError(who, msg) {
		if (msg)
			errors[who] = msg;
		else
			delete errors[who];
		const all = Object.keys(errors).map((k) => k + ': ' + errors[k]);
		$('error').hidden = all.length === 0;
		$('error').textContent = all.join(' · ');
	}

	// ---- WAN cards --------------------------------------------------------------------

	function field(dl, label, key) {
		dl.appendChild(el('dt', null, label));
		const dd = el('dd');
		dd.dataset.field = key;
		dl.appendChild(dd);
		return dd;
	}

	function makeCard(w) {
		const root = el('article', 'card');
		root.id = 'wan-' + w.name;
		root.dataset.wan = w.name;
		const head = el('div', 'head');
		head.appendChild(el('span', 'name', w.name));
		const badge = el('span', 'badge state');
		head.appendChild(badge);
		root.appendChild(head);
		const dl = el('dl');
		const f = {
			badge: badge,
			since: field(dl, 'In state', 'since'),
			address: field(dl, 'Address', 'address'),
			gateway: field(dl, 'Gateway', 'gateway'),
			link: field(dl, 'Link', 'link'),
			rtt: field(dl, 'RTT', 'rtt'),
			jitter: field(dl, 'Jitter', 'jitter'),
			loss: field(dl, 'Loss', 'loss'),
			tput: field(dl, 'Throughput', 'throughput'),
			reason: field(dl, 'Last change', 'reason'),
		};
		root.appendChild(dl);
		const buttons = {};
		if (role === 'admin') {
			const bar = el('div', 'actions');
			for (const a of Object.keys(ACTIONS)) {
				const danger = a === 'force-down' || a === 'disable';
				const b = el('button', danger ? 'danger' : '', ACTIONS[a]);
				b.type = 'button';
				b.dataset.action = a;
				b.dataset.wan = w.name;
				b.addEventListener('click', () => act(w.name, a, b));
				buttons[a] = b;
				bar.appendChild(b);
			}
			root.appendChild(bar);
		}
		$('wans').appendChild(root);
		return { root: root, f: f, buttons: buttons };
	}

	// value against its warn / down limits: '' (fine), 'warn' or 'bad'
	function band(v, warn, down) {
		if (v === null || v === undefined || warn === undefined)
			return '';
		return v >= down ? 'bad' : v >= warn ? 'warn' : '';
	}

	function setFigure(dd, text, cls, lim) {
		dd.textContent = text;
		dd.className = cls;
		if (lim) {
			dd.appendChild(document.createTextNode(' '));
			dd.appendChild(el('span', 'limits', lim));
		}
	}

	function limits(warn, down, unit) {
		return 'warn ' + warn + ' / down ' + down + ' ' + unit;
	}

	function timeInState(w) {
		const h = hist.wans[w.name];
		if (h && h.state === w.state && h.sinceLocal !== undefined)
			return (Date.now() - h.sinceLocal) / 1000;
		// the state changed after the last history answer: since the page saw it
		const c = cards[w.name];
		if (c.seenState !== w.state) {
			c.seenState = w.state;
			c.seenAt = Date.now();
		}
		return (Date.now() - c.seenAt) / 1000;
	}

	function renderWans() {
		const names = new Set(wans.map((w) => w.name));
		for (const n of Object.keys(cards))
			if (!names.has(n)) {
				cards[n].root.remove();
				delete cards[n];
			}
		for (const w of wans) {
			const c = cards[w.name] || (cards[w.name] = makeCard(w));
			const h = w.health || {};
			const th = (hist.wans[w.name] || {}).thresholds || null;
			const last = lastSample(w.name);
			c.root.className = 'card ' + w.state;
			c.root.dataset.state = w.state;
			c.root.dataset.enabled = String(w.enabled);
			c.root.dataset.forcedDown = String(w.forced_down);
			c.f.badge.textContent = w.state.replace('_', ' ');
			c.f.since.textContent = dur(timeInState(w));
			c.f.address.textContent = w.address || '–';
			c.f.gateway.textContent = (w.gateway || '–') +
				(w.configured && !w.gateway_resolved ? ' (unresolved)' : '');
			c.f.link.textContent = w.link +
				(w.priority > 1 ? ', backup priority ' + w.priority : '');
			setFigure(c.f.rtt, num(h.rtt_ms, 1) + ' ms',
				th ? band(h.rtt_ms, th.latency_warn_ms, th.latency_down_ms) : '',
				th ? limits(th.latency_warn_ms, th.latency_down_ms, 'ms') : '');
			setFigure(c.f.jitter, num(h.jitter_ms, 1) + ' ms', '', '');
			setFigure(c.f.loss, num(h.loss_pct, 1) + ' %',
				th ? band(h.loss_pct, th.loss_warn_pct, th.loss_down_pct) : '',
				th ? limits(th.loss_warn_pct, th.loss_down_pct, '%') : '');
			c.f.tput.textContent = last ?
				'↓ ' + rate(last.rx) + '  ↑ ' + rate(last.tx) : '–';
			c.f.reason.textContent = h.reason || '–';
			const b = c.buttons;
			if (b.enable) {
				b.enable.hidden = w.enabled;
				b.disable.hidden = !w.enabled;
				b['force-down'].hidden = w.forced_down;
				b.clear.hidden = !w.forced_down;
			}
		}
	}

	async function act(name, action, button) {
		for (const b of Object.values(cards[name].buttons))
			b.disabled = true;
		try {
			const path = '/api/v1/wans/' + encodeURIComponent(name) + '/' + action;
			const w = await api('POST', path);
			const i = wans.findIndex((x) => x.name === name);
			if (w && i >= 0)
				wans[i] = w;
			setError('action', null);
			renderWans();
			kick('events');
			kick('policies');
		} catch (e) {
			setError('action', action + ' ' + name + ': ' + e.message);
		} finally {
			for (const b of Object.values(cards[name].buttons))
				b.disabled = false;
		}
	}

	// ---- history and graphs -----------------------------------------------------------

	function lastSample(name) {
		const h = hist.wans[name];
		if (!h || h.t.length === 0)
			return null;
		const i = h.t.length - 1;
		return { t: h.t[i], rx: h.rx_bps[i], tx: h.tx_bps[i] };
	}

	const COLUMNS = ['t', 'state', 'rtt_us', 'jitter_us', 'loss_pct', 'rx_bps', 'tx_bps'];

	function mergeHistory(ans) {
		const cut = ans.now - SPAN_S;
		const seen = new Set();
		for (const w of ans.wans) {
			seen.add(w.name);
			let h = hist.wans[w.name];
			if (!h || histLast === null) {
				h = hist.wans[w.name] = {};
				for (const c of COLUMNS)
					h[c] = [];
			}
			for (const c of COLUMNS)
				h[c].push(...w.samples[c]);
			let drop = 0;
			while (drop < h.t.length && h.t[drop] < cut)
				drop++;
			if (drop > 0)
				for (const c of COLUMNS)
					h[c].splice(0, drop);
			h.state = w.state;
			h.thresholds = w.thresholds;
			h.sinceLocal = w.seconds_in_state === null ? undefined :
				Date.now() - w.seconds_in_state * 1000;
			for (const t of w.samples.t)
				if (histLast === null || t > histLast)
					histLast = t;
		}
		for (const n of Object.keys(hist.wans))
			if (!seen.has(n))
				delete hist.wans[n];
		hist.now = ans.now;
	}

	function niceMax(v) {
		if (!(v > 0))
			return 1;
		const p = Math.pow(10, Math.floor(Math.log10(v)));
		for (const m of [1, 2, 2.5, 5, 10])
			if (v <= m * p)
				return m * p;
		return 10 * p;
	}

	// series: [{color, dashed, pts: [[t, v|null]...]}]; limits: [{color, v}]
	function drawGraph(node, series, limits, fmt) {
		const W = 420, H = 190, L = 44, R = 6, T = 8, B = 20;
		const now = hist.now || Date.now() / 1000, t0 = now - SPAN_S;
		let max = 0;
		for (const s of series)
			for (const p of s.pts)
				if (p[1] !== null && p[1] > max)
					max = p[1];
		for (const l of limits)
			if (l.v > max && l.v < max * 3)
				max = l.v;
		max = niceMax(max * 1.05);
		const x = (t) => L + (t - t0) / SPAN_S * (W - L - R);
		const y = (v) => T + (1 - Math.min(v, max) / max) * (H - T - B);
		node.replaceChildren();
		node.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
		node.setAttribute('role', 'img');
		for (let i = 0; i <= 4; i++) {
			const v = max * i / 4;
			node.appendChild(svg('line', { class: 'axis', x1: L, x2: W - R, y1: y(v),
				y2: y(v) }));
			const lab = svg('text', { class: 'tick', x: L - 4, y: y(v) + 4,
				'text-anchor': 'end' });
			lab.textContent = fmt(v);
			node.appendChild(lab);
		}
		for (let m = 60; m >= 0; m -= 15) {
			const lab = svg('text', { class: 'tick', x: x(now - m * 60), y: H - 6,
				'text-anchor': m === 60 ? 'start' : m === 0 ? 'end' : 'middle' });
			lab.textContent = m === 0 ? 'now' : '-' + m + ' min';
			node.appendChild(lab);
		}
		for (const l of limits)
			if (l.v <= max)
				node.appendChild(svg('line', { class: 'limit', stroke: l.color,
					x1: L, x2: W - R, y1: y(l.v), y2: y(l.v) }));
		for (const s of series) {
			// runs of samples without a gap (no figure, the control process restarted)
			const runs = [];
			let prevT = null;
			for (const [t, v] of s.pts) {
				if (v === null || t < t0) {
					prevT = null;
					continue;
				}
				if (prevT === null || t - prevT > 3 * (POLL_MS.history / 1000))
					runs.push([]);
				runs[runs.length - 1].push([x(t).toFixed(1), y(v).toFixed(1)]);
				prevT = t;
			}
			for (const r of runs) {
				const cls = 'series' + (s.dashed ? ' dashed' : '');
				const line = r.length === 1 ?
					svg('circle', { class: 'dot', fill: s.color, r: 2,
						cx: r[0][0], cy: r[0][1] }) :
					svg('path', { class: cls, stroke: s.color,
						d: 'M' + r.map((p) => p.join(' ')).join(' L') });
				node.appendChild(line);
			}
		}
	}

	function column(h, c, scale) {
		return h.t.map((t, i) => [t, h[c][i] === null ? null : h[c][i] * scale]);
	}

	function renderGraphs() {
		const rtt = [], loss = [], tput = [], rttLim = [], lossLim = [];
		const legend = $('legend');
		legend.replaceChildren();
		for (const w of wans) {
			const h = hist.wans[w.name];
			if (!h)
				continue;
			const color = colorOf(w.name);
			const item = el('span');
			const sw = el('span', 'swatch');
			sw.style.background = color;
			item.appendChild(sw);
			item.appendChild(document.createTextNode(w.name));
			legend.appendChild(item);
			rtt.push({ color: color, pts: column(h, 'rtt_us', 1e-3) });
			loss.push({ color: color, pts: column(h, 'loss_pct', 1) });
			tput.push({ color: color, pts: column(h, 'rx_bps', 1) });
			tput.push({ color: color, dashed: true, pts: column(h, 'tx_bps', 1) });
			if (h.thresholds) {
				rttLim.push({ color: color, v: h.thresholds.latency_warn_ms });
				rttLim.push({ color: color, v: h.thresholds.latency_down_ms });
				lossLim.push({ color: color, v: h.thresholds.loss_warn_pct });
				lossLim.push({ color: color, v: h.thresholds.loss_down_pct });
			}
		}
		drawGraph($('g-rtt'), rtt, rttLim, (v) => v.toFixed(v < 10 ? 1 : 0));
		drawGraph($('g-loss'), loss, lossLim, (v) => v.toFixed(v < 10 ? 1 : 0));
		drawGraph($('g-tput'), tput, [], (v) => rate(v).replace('bit/s', ''));
	}

	// ---- traffic split ----------------------------------------------------------------

	function bar(parent, label, value, total, color, text) {
		const row = el('div', 'row');
		row.appendChild(el('span', 'label', label));
		const track = el('div', 'track');
		const fill = el('div', 'fill');
		fill.style.width = (total > 0 ? 100 * value / total : 0).toFixed(1) + '%';
		fill.style.background = color;
		track.appendChild(fill);
		row.appendChild(track);
		row.appendChild(el('span', 'num', text));
		parent.appendChild(row);
	}

	function renderWanSplit() {
		const box = $('split-wan');
		box.replaceChildren();
		const now = wans.map((w) => {
			const s = lastSample(w.name);
			return s ? (s.rx || 0) + (s.tx || 0) : 0;
		});
		const total = now.reduce((a, b) => a + b, 0);
		box.appendChild(el('h3', null, 'Throughput now'));
		wans.forEach((w, i) => bar(box, w.name, now[i], total, colorOf(w.name),
			total > 0 ? Math.round(100 * now[i] / total) + ' %' : '–'));
		const sess = wans.map((w) => w.counters.sessions_created);
		const st = sess.reduce((a, b) => a + b, 0);
		box.appendChild(el('h3', null, 'Sessions created'));
		wans.forEach((w, i) => bar(box, w.name, sess[i], st, colorOf(w.name),
			st > 0 ? Math.round(100 * sess[i] / st) + ' %' : '0'));
	}

	function renderPolicies(ans) {
		const box = $('split-policy');
		box.replaceChildren();
		for (const p of ans.policies) {
			const algo = p.algorithm ? ' (' + p.algorithm + ')' : '';
			box.appendChild(el('h3', null, p.name + algo + ': ' + p.sessions_total +
				' sessions'));
			if (p.shares.length === 0)
				box.appendChild(el('p', 'hint', 'no candidate WAN'));
			for (const s of p.shares) {
				const placed = p.sessions.find((x) => x.wan === s.wan);
				bar(box, s.wan, s.percent, 100, colorOf(s.wan), s.percent + ' %' +
					(placed ? ' · ' + placed.sessions : ''));
			}
		}
		if (!ans.counters_valid)
			box.appendChild(el('p', 'hint', 'session counters not valid yet for ' +
				'generation ' + ans.generation));
	}

	// ---- sessions and events ----------------------------------------------------------

	function renderClients(ans) {
		const by = new Map();
		for (const s of ans.sessions) {
			const c = by.get(s.src) || { n: 0, out: 0, inb: 0 };
			c.n++;
			c.out += s.bytes_out;
			c.inb += s.bytes_in;
			by.set(s.src, c);
		}
		const total = (c) => c.out + c.inb;
		const top = [...by.entries()].sort((a, b) => b[1].n - a[1].n ||
			total(b[1]) - total(a[1])).slice(0, CLIENTS_SHOWN);
		const tb = $('clients').tBodies[0];
		tb.replaceChildren();
		for (const [ip, c] of top) {
			const tr = el('tr');
			tr.appendChild(el('td', null, ip));
			tr.appendChild(el('td', 'n', String(c.n)));
			tr.appendChild(el('td', 'n', bytes(c.out)));
			tr.appendChild(el('td', 'n', bytes(c.inb)));
			tb.appendChild(tr);
		}
		$('clients-note').textContent = (top.length === 0 ? 'No sessions. ' : '') +
			(ans.next ? 'From the first ' + ans.sessions.length + ' sessions listed.' :
				'');
	}

	function renderEvents() {
		const tb = $('events').tBodies[0];
		tb.replaceChildren();
		for (let i = events.length - 1; i >= 0; i--) {
			const e = events[i];
			const tr = el('tr');
			tr.appendChild(el('td', null, new Date(e.time).toLocaleString()));
			tr.appendChild(el('td', null, e.type));
			tr.appendChild(el('td', null, e.wan || ''));
			tr.appendChild(el('td', null, e.message));
			tb.appendChild(tr);
		}
	}

	async function pollEvents() {
		// at load, page to the newest (the list is oldest first); then what is new
		for (let page = 0; page < (eventsPrimed ? 1 : EVENT_PAGES_MAX); page++) {
			const ans = await api('GET', '/api/v1/events?since=' + eventsLast +
				'&limit=1000');
			events.push(...ans.events);
			eventsLast = ans.last;
			if (events.length > EVENTS_KEPT)
				events.splice(0, events.length - EVENTS_KEPT);
			if (ans.events.length < 1000)
				break;
		}
		eventsPrimed = true;
		renderEvents();
	}

	// ---- polling ----------------------------------------------------------------------

	const pollers = {
		wans: async () => {
			wans = await api('GET', '/api/v1/wans');
			renderWans();
			renderWanSplit();
		},
		status: async () => {
			const st = await api('GET', '/api/v1/status');
			$('sess-count').textContent = st.counters.sessions_active +
				' active sessions';
			$('summary').textContent = 'dataplane ' +
				(st.dataplane.alive ? 'alive' : 'DOWN') + ' · up ' +
				dur(st.dataplane.uptime_s) + ' · config generation ' +
				st.config.generation;
		},
		history: async () => {
			const q = histLast === null ? '' : '?since=' + histLast;
			mergeHistory(await api('GET', '/api/v1/history' + q));
			renderGraphs();
			renderWans();
			renderWanSplit();
		},
		policies: async () => renderPolicies(await api('GET', '/api/v1/policies')),
		sessions: async () =>
			renderClients(await api('GET', '/api/v1/sessions?limit=1000')),
		events: pollEvents,
	};

	// One loop a poller, each run after the last one ended (never two at once). The event
	// stream is not used: libmicrohttpd cannot see a closed suspended stream until it
	// wakes it (15 s), and a reloaded page would hold slots of the per-address limit.
	// `session` tells a sign-out: a loop of an older session stops; each session has its
	// own busy / again flags (a run of the old one may still be waiting for its answer).
	let session = 0;
	let flags = { busy: {}, again: {} };

	async function run(name, my) {
		const { busy, again } = flags;
		if (my !== session)
			return;
		if (busy[name]) {
			again[name] = true;
			return;
		}
		clearTimeout(timers[name]);
		busy[name] = true;
		try {
			await pollers[name]();
			setError(name, null);
		} catch (e) {
			if (my === session)
				setError(name, e.message);
		}
		busy[name] = false;
		if (my !== session)
			return;
		if (again[name]) {
			again[name] = false;
			timers[name] = setTimeout(() => run(name, my), 0);
		} else {
			timers[name] = setTimeout(() => run(name, my), POLL_MS[name]);
		}
	}

	function kick(name) {
		run(name, session);
	}

	function startPolling() {
		for (const name of Object.keys(pollers))
			run(name, session);
	}

	// ---- sign in / out ----------------------------------------------------------------

	function reset() {
		running = false;
		session++;
		flags = { busy: {}, again: {} };
		for (const t of Object.values(timers))
			clearTimeout(t);
		timers = {};
		for (const n of Object.keys(cards)) {
			cards[n].root.remove();
			delete cards[n];
		}
		for (const k of Object.keys(errors))
			delete errors[k];
		wans = [];
		hist = { now: 0, wans: {} };
		histLast = null;
		events = [];
		eventsLast = 0;
		eventsPrimed = false;
	}

	function signOut(msg) {
		reset();
		token = null;
		role = null;
		sessionStorage.removeItem(TOKEN_KEY);
		$('dash').hidden = true;
		$('logout').hidden = true;
		$('who').textContent = '';
		$('summary').textContent = '';
		$('login').hidden = false;
		$('login-error').textContent = msg || '';
		$('token').value = '';
		$('token').focus();
	}

	async function signIn(t) {
		token = t;
		let me;
		try {
			me = await api('GET', '/api/v1/whoami');
		} catch (e) {
			signOut(e.status === 401 ? 'That token is not valid.' : 'Cannot sign in: ' +
				e.message);
			return;
		}
		sessionStorage.setItem(TOKEN_KEY, t);
		role = me.role;
		document.body.dataset.role = role;
		$('who').textContent = me.id + ' (' + me.role + ')' +
			(me.comment ? ' · ' + me.comment : '');
		$('login').hidden = true;
		$('dash').hidden = false;
		$('logout').hidden = false;
		running = true;
		startPolling();
	}

	document.addEventListener('DOMContentLoaded', () => {
		$('login-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			const t = $('token').value.trim();
			$('token').value = '';
			if (t)
				signIn(t);
		});
		$('logout').addEventListener('click', () => signOut(''));
		const saved = sessionStorage.getItem(TOKEN_KEY);
		if (saved)
			signIn(saved);
		else
			signOut('');
	});
})();
