// The dashboard's charts: one canvas per metric and suite, drawn when scrolled into view, with a
// filter, hover and keyboard details, level shifts, noise bands, budget lines and the PR's value.
// Reads the page's JSON data block; loads nothing.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var commits = data.commits;
  var all = data.series;
  var chartsEl = document.getElementById('charts');
  var controls = document.getElementById('controls');
  var filterEl = document.getElementById('filter');
  var countEl = document.getElementById('count');
  var tip = document.getElementById('tip');
  var HEIGHT = 220;
  var M = { left: 70, right: 16, top: 12, bottom: 30 };

  // ---- units ---------------------------------------------------------------------------
  var TO_BASE = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
  var SCALES = {
    time: [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']],
    bytes: [[1073741824, 'GiB'], [1048576, 'MiB'], [1024, 'KiB'], [1, 'B']],
    rate: [[1073741824, 'GiB/s'], [1048576, 'MiB/s'], [1024, 'KiB/s'], [1, 'B/s']],
    per: [[1e9, 'G/s'], [1e6, 'M/s'], [1e3, 'K/s'], [1, '/s']]
  };
  function dimension(unit) {
    if (unit in TO_BASE) return 'time';
    if (unit === 'B') return 'bytes';
    if (unit === 'B/s') return 'rate';
    if (unit === '/s') return 'per';
    return unit;
  }
  // The factor and symbol that show values around `ref` (in `unit`) readably.
  function scaleFor(unit, ref) {
    var d = dimension(unit);
    var base = TO_BASE[unit] || 1;
    var table = SCALES[d];
    if (table) {
      var r = Math.abs(ref) * base;
      for (var i = 0; i < table.length; i++) {
        if (r >= table[i][0] || i === table.length - 1) return { f: base / table[i][0], sym: ' ' + table[i][1] };
      }
    }
    if (unit === 'fraction') return { f: 100, sym: ' %' };
    return { f: 1, sym: '' };
  }
  function num(v, digits) {
    if (!isFinite(v)) return String(v);
    var a = Math.abs(v);
    if (a >= 1e15 || (a > 0 && a < 1e-3)) return v.toPrecision(digits);
    return String(Number(v.toPrecision(digits)));
  }
  function fmt(unit, v) {
    var s = scaleFor(unit, v);
    return num(v * s.f, 3) + s.sym;
  }
  function pct(x) {
    if (x == null || !isFinite(x)) return 'n/a';
    var v = x * 100;
    return (v < 0 ? '−' + (-v).toFixed(1) : '+' + v.toFixed(1)) + ' %';
  }
  function short(sha) { return sha.slice(0, 7); }
  function link(sha) { return data.url ? data.url.split('{sha}').join(sha) : null; }
  function esc(t) {
    return String(t).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // ---- series helpers --------------------------------------------------------------------
  function xOf(s, i) { return s.x ? s.x[i] : i; }
  function nOf(s, i) { return s.n ? s.n[i] : s.n0; }
  function runnerOf(s, i) { return data.runners[s.r ? s.r[i] : s.r0]; }
  function shiftAt(s, i) {
    for (var k = 0; k < s.cp.length; k++) if (s.cp[k][0] === i) return s.cp[k];
    return null;
  }
  function segmentOf(s, i) {
    for (var k = 0; k < s.seg.length; k++) if (i >= s.seg[k][0] && i < s.seg[k][1]) return s.seg[k];
    return null;
  }
  function budgetText(s) {
    var b = [];
    if (s.bmax) b.push(s.bmax[1]);
    if (s.bmin) b.push(s.bmin[1]);
    if (s.mr != null) b.push('max-regression ' + num(s.mr * 100, 3) + ' %');
    return b.join(', ');
  }
  function describe(s) {
    var n = s.v.length;
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < n; i++) { if (s.v[i] < lo) lo = s.v[i]; if (s.v[i] > hi) hi = s.v[i]; }
    var t = s.id + ' (' + s.suite + '): ' + n + ' run' + (n === 1 ? '' : 's') + ' from ' +
      short(commits[xOf(s, 0)][0]) + ' to ' + short(commits[xOf(s, n - 1)][0]) +
      ', latest ' + fmt(s.unit, s.v[n - 1]) + ', range ' + fmt(s.unit, lo) + ' to ' + fmt(s.unit, hi) + '.';
    s.cp.forEach(function (c) {
      t += ' Level moved at ' + short(commits[xOf(s, c[0])][0]) + ' by ' + pct(c[1]) + '.';
    });
    if (s.noise != null) t += ' Run-to-run noise ±' + num(Math.expm1(s.noise) * 100, 2) + ' %.';
    var b = budgetText(s);
    if (b) t += ' Budget: ' + b + '.';
    if (s.pr) t += ' PR value ' + fmt(s.unit, s.pr.v) + ' (' + s.pr.status + ').';
    return t;
  }

  // ---- building the page -----------------------------------------------------------------
  var figures = [];
  var html = [];
  var lastGroup = null;
  var suites = {};
  all.forEach(function (s) { suites[s.suite] = true; });
  var manySuites = Object.keys(suites).length > 1;
  all.forEach(function (s, k) {
    var g = (manySuites ? s.suite + ' · ' : '') + (s.group || '(no group)');
    if (g !== lastGroup) {
      if (lastGroup !== null) html.push('</div></section>');
      html.push('<section class="group"><h2>' + esc(g) + '</h2><div class="grid">');
      lastGroup = g;
    }
    var meta = [s.suite, s.direction === 'higher' ? 'higher is better' : 'lower is better'];
    if (s.noise != null) meta.push('noise ±' + num(Math.expm1(s.noise) * 100, 2) + ' %');
    var b = budgetText(s);
    if (b) meta.push('budget ' + b);
    var shifts = s.cp.map(function (c) {
      var sha = commits[xOf(s, c[0])][0];
      var url = link(sha);
      var label = url ? '<a href="' + esc(url) + '"><code>' + short(sha) + '</code></a>' : '<code>' + short(sha) + '</code>';
      return '<li class="shift" data-shift-commit="' + short(sha) + '">Level moved at ' + label + ': ' +
        pct(c[1]) + ' (95 %: ' + pct(c[2]) + ' to ' + pct(c[3]) + ')</li>';
    }).join('');
    html.push('<figure class="chart" id="c' + k + '" data-k="' + k + '">' +
      '<figcaption><a class="id" href="#m' + k + '">' + esc(s.id) + '</a> <span class="meta">' + esc(meta.join(' · ')) + '</span></figcaption>' +
      '<canvas tabindex="0" role="img" height="' + HEIGHT + '" aria-label="' + esc(describe(s)) + '"></canvas>' +
      (shifts ? '<ul class="shifts">' + shifts + '</ul>' : '') +
      '<details><summary>Data table</summary></details></figure>');
  });
  if (lastGroup !== null) html.push('</div></section>');
  chartsEl.innerHTML = html.join('');
  chartsEl.querySelectorAll('figure.chart').forEach(function (f) { figures.push(f); });
  controls.hidden = false;

  // ---- drawing ---------------------------------------------------------------------------
  var colours = {};
  function readColours() {
    var cs = getComputedStyle(document.documentElement);
    ['fg', 'muted', 'grid', 'line', 'band', 'budget', 'shift', 'pr', 'sel', 'bg'].forEach(function (n) {
      colours[n] = cs.getPropertyValue('--' + n).trim() || '#888';
    });
  }
  readColours();

  function niceStep(range, count) {
    var raw = range / count;
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  // Geometry of a chart: slots for every commit (and the PR), the value range.
  function layout(s, width) {
    var slots = commits.length + (s.pr ? 1 : 0);
    var lo = Infinity, hi = -Infinity;
    function take(v) { if (isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; } }
    for (var i = 0; i < s.v.length; i++) {
      take(s.v[i]);
      if (s.h && s.h[i] > 0) { take(s.v[i] * Math.exp(-s.h[i])); take(s.v[i] * Math.exp(s.h[i])); }
    }
    if (s.noise != null) s.seg.forEach(function (g) { take(g[2] * Math.exp(-1.96 * s.noise)); take(g[2] * Math.exp(1.96 * s.noise)); });
    if (s.pr) take(s.pr.v);
    var span = hi - lo || Math.abs(hi) * 0.1 || 1;
    // Budget lines join the range when they are near the data; far away they would flatten it.
    [s.bmax, s.bmin].forEach(function (b) { if (b && Math.abs(b[0] - (lo + hi) / 2) < 2 * span) take(b[0]); });
    span = hi - lo || Math.abs(hi) * 0.1 || 1;
    lo -= span * 0.08; hi += span * 0.08;
    var pw = width - M.left - M.right, ph = HEIGHT - M.top - M.bottom;
    return {
      slots: slots, lo: lo, hi: hi, pw: pw, ph: ph,
      X: function (slot) { return M.left + (slot + 0.5) * pw / slots; },
      Y: function (v) { return M.top + (hi - v) / (hi - lo) * ph; }
    };
  }

  function draw(fig) {
    var k = +fig.dataset.k, s = all[k];
    var canvas = fig.querySelector('canvas');
    var width = Math.max(canvas.clientWidth, 200);
    var dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    var L = layout(s, width);
    canvas._layout = L;
    var i;
    // Noise band around each level.
    if (s.noise != null) {
      ctx.fillStyle = colours.band;
      s.seg.forEach(function (g) {
        var x0 = L.X(xOf(s, g[0])) - L.pw / L.slots / 2, x1 = L.X(xOf(s, g[1] - 1)) + L.pw / L.slots / 2;
        var y0 = L.Y(g[2] * Math.exp(1.96 * s.noise)), y1 = L.Y(g[2] * Math.exp(-1.96 * s.noise));
        ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
      });
    }
    // Axes: y ticks in a readable unit, a few commit labels.
    var sc = scaleFor(s.unit, Math.max(Math.abs(L.lo), Math.abs(L.hi)));
    var step = niceStep((L.hi - L.lo) * sc.f, 4) / sc.f;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.lineWidth = 1;
    for (var t = Math.ceil(L.lo / step) * step; t <= L.hi; t += step) {
      var y = Math.round(L.Y(t)) + 0.5;
      ctx.strokeStyle = colours.grid;
      ctx.beginPath(); ctx.moveTo(M.left, y); ctx.lineTo(M.left + L.pw, y); ctx.stroke();
      ctx.fillStyle = colours.muted;
      ctx.fillText(num(t * sc.f, 4) + sc.sym, M.left - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    var every = Math.max(1, Math.ceil(L.slots / Math.max(1, Math.floor(L.pw / 70))));
    for (i = 0; i < commits.length; i += every) {
      ctx.fillText(short(commits[i][0]), L.X(i), HEIGHT - M.bottom + 8);
    }
    if (s.pr) { ctx.fillStyle = colours.pr; ctx.fillText('PR', L.X(commits.length), HEIGHT - M.bottom + 8); }
    // Budget lines.
    ctx.setLineDash([6, 4]);
    [s.bmax, s.bmin].forEach(function (b) {
      if (!b || b[0] < L.lo || b[0] > L.hi) return;
      var y = Math.round(L.Y(b[0])) + 0.5;
      ctx.strokeStyle = colours.budget;
      ctx.beginPath(); ctx.moveTo(M.left, y); ctx.lineTo(M.left + L.pw, y); ctx.stroke();
      ctx.fillStyle = colours.budget; ctx.textAlign = 'left'; ctx.textBaseline = 'bottom';
      ctx.fillText(b[1], M.left + 4, y - 2);
    });
    ctx.setLineDash([]);
    // Intervals, when there is room to see them.
    var gap = L.pw / L.slots;
    if (s.h && gap >= 3) {
      ctx.strokeStyle = colours.muted;
      ctx.beginPath();
      for (i = 0; i < s.v.length; i++) {
        if (!(s.h[i] > 0)) continue;
        var xx = Math.round(L.X(xOf(s, i))) + 0.5;
        ctx.moveTo(xx, L.Y(s.v[i] * Math.exp(s.h[i]))); ctx.lineTo(xx, L.Y(s.v[i] * Math.exp(-s.h[i])));
      }
      ctx.stroke();
    }
    // The values.
    ctx.strokeStyle = colours.line;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (i = 0; i < s.v.length; i++) {
      var px = L.X(xOf(s, i)), py = L.Y(s.v[i]);
      if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    }
    ctx.stroke();
    if (gap >= 4) {
      ctx.fillStyle = colours.line;
      for (i = 0; i < s.v.length; i++) {
        ctx.beginPath(); ctx.arc(L.X(xOf(s, i)), L.Y(s.v[i]), 2.5, 0, 2 * Math.PI); ctx.fill();
      }
    }
    // Level shifts: once, at the commit where the level moved.
    s.cp.forEach(function (c) {
      var x = Math.round(L.X(xOf(s, c[0]))) + 0.5;
      ctx.strokeStyle = colours.shift; ctx.lineWidth = 1.5; ctx.setLineDash([3, 3]);
      ctx.beginPath(); ctx.moveTo(x, M.top); ctx.lineTo(x, M.top + L.ph); ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = colours.shift;
      ctx.beginPath(); ctx.moveTo(x - 5, M.top); ctx.lineTo(x + 5, M.top); ctx.lineTo(x, M.top + 7); ctx.fill();
      ctx.textAlign = x > M.left + L.pw - 90 ? 'right' : 'left'; ctx.textBaseline = 'top';
      ctx.fillText(pct(c[1]) + ' at ' + short(commits[xOf(s, c[0])][0]), x + (ctx.textAlign === 'left' ? 7 : -7), M.top);
    });
    // The PR's value.
    if (s.pr) {
      var prx = L.X(commits.length), pry = L.Y(s.pr.v);
      ctx.fillStyle = colours.pr;
      ctx.beginPath(); ctx.moveTo(prx, pry - 6); ctx.lineTo(prx + 6, pry); ctx.lineTo(prx, pry + 6); ctx.lineTo(prx - 6, pry); ctx.fill();
    }
    // The selected point.
    if (canvas._sel != null) {
      var sx = L.X(canvas._sel < s.v.length ? xOf(s, canvas._sel) : commits.length);
      ctx.strokeStyle = colours.sel; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(Math.round(sx) + 0.5, M.top); ctx.lineTo(Math.round(sx) + 0.5, M.top + L.ph); ctx.stroke();
    }
    fig.dataset.drawn = '1';
  }

  var visible = new Set();
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (e.isIntersecting) { visible.add(e.target); if (!e.target.dataset.drawn) draw(e.target); }
      else visible.delete(e.target);
    });
    // When the charts in view were first drawn, for measuring a large site's load.
    if (!document.documentElement.dataset.drawnMs) document.documentElement.dataset.drawnMs = Math.round(performance.now());
  }, { rootMargin: '300px 0px' });
  figures.forEach(function (f) { observer.observe(f); });
  function redrawVisible() {
    readColours();
    figures.forEach(function (f) { delete f.dataset.drawn; });
    visible.forEach(function (f) { if (!f.hidden) draw(f); });
  }
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(redrawVisible, 150);
  });
  if (window.matchMedia) {
    var mq = window.matchMedia('(prefers-color-scheme: dark)');
    if (mq.addEventListener) mq.addEventListener('change', redrawVisible);
  }

  // ---- details: hover, keyboard, table ------------------------------------------------------
  // The point nearest to slot `slot`, or the PR point (index v.length).
  function pointAt(s, slot) {
    if (s.pr && slot >= commits.length) return s.v.length;
    var best = 0, bd = Infinity;
    // Points are in commit order: binary search.
    var a = 0, b = s.v.length - 1;
    while (a < b) { var m = (a + b) >> 1; if (xOf(s, m) < slot) a = m + 1; else b = m; }
    [a - 1, a].forEach(function (i) {
      if (i >= 0 && i < s.v.length && Math.abs(xOf(s, i) - slot) < bd) { bd = Math.abs(xOf(s, i) - slot); best = i; }
    });
    return best;
  }
  function tipHtml(s, i) {
    if (i >= s.v.length) {
      var p = s.pr;
      return '<strong>PR' + (data.pr ? ' ' + short(data.pr) : '') + '</strong><br>' + fmt(s.unit, p.v) +
        (p.change != null ? ' (' + pct(p.change) + ' vs base' + (p.ci ? ', 95 %: ' + pct(p.ci[0]) + ' to ' + pct(p.ci[1]) : '') + ')' : '') +
        '<br>' + esc(p.status) + ' · ' + p.n + ' sample' + (p.n === 1 ? '' : 's');
    }
    var c = commits[xOf(s, i)];
    var t = '<strong>' + short(c[0]) + '</strong> ' + esc(c[2].slice(0, 10)) + '<br>' + esc(c[1].slice(0, 80)) +
      '<br>' + esc(s.id) + ': <strong>' + fmt(s.unit, s.v[i]) + '</strong>';
    if (s.h && s.h[i] > 0) t += '<br>95 %: ' + fmt(s.unit, s.v[i] * Math.exp(-s.h[i])) + ' to ' + fmt(s.unit, s.v[i] * Math.exp(s.h[i]));
    var n = nOf(s, i);
    t += '<br>' + n + ' sample' + (n === 1 ? '' : 's') + ' · runner ' + esc(runnerOf(s, i));
    var sh = shiftAt(s, i);
    if (sh) t += '<br>level moved here: ' + pct(sh[1]) + ' (95 %: ' + pct(sh[2]) + ' to ' + pct(sh[3]) + ')';
    var g = segmentOf(s, i);
    if (g && s.noise != null) t += '<br>level ' + fmt(s.unit, g[2]) + ', noise band ±' + num(Math.expm1(1.96 * s.noise) * 100, 2) + ' %';
    if (link(c[0])) t += '<br><em>click or Enter: open the commit</em>';
    return t;
  }
  function showTip(canvas, s, i, clientX, clientY) {
    canvas._sel = i;
    draw(canvas.parentNode);
    tip.innerHTML = tipHtml(s, i);
    tip.hidden = false;
    var r = tip.getBoundingClientRect();
    var x = Math.min(clientX + 14, window.innerWidth - r.width - 8);
    var y = clientY + 14 + r.height > window.innerHeight ? clientY - r.height - 14 : clientY + 14;
    tip.style.left = Math.max(4, x + window.scrollX) + 'px';
    tip.style.top = Math.max(4, y + window.scrollY) + 'px';
  }
  function hideTip(canvas) {
    tip.hidden = true;
    if (canvas && canvas._sel != null) { canvas._sel = null; draw(canvas.parentNode); }
  }
  function slotOf(canvas, clientX) {
    var L = canvas._layout, rect = canvas.getBoundingClientRect();
    return Math.round((clientX - rect.left - M.left) / (L.pw / L.slots) - 0.5);
  }
  function open(s, i) {
    if (i >= s.v.length) return;
    var url = link(commits[xOf(s, i)][0]);
    if (url) window.open(url, '_blank', 'noopener');
  }
  chartsEl.addEventListener('mousemove', function (e) {
    var c = e.target;
    if (c.tagName !== 'CANVAS' || !c._layout) return;
    var s = all[+c.parentNode.dataset.k];
    showTip(c, s, pointAt(s, slotOf(c, e.clientX)), e.clientX, e.clientY);
  });
  chartsEl.addEventListener('mouseout', function (e) { if (e.target.tagName === 'CANVAS') hideTip(e.target); });
  chartsEl.addEventListener('click', function (e) {
    var c = e.target;
    if (c.tagName !== 'CANVAS' || !c._layout) return;
    var s = all[+c.parentNode.dataset.k];
    open(s, pointAt(s, slotOf(c, e.clientX)));
  });
  chartsEl.addEventListener('keydown', function (e) {
    var c = e.target;
    if (c.tagName !== 'CANVAS') return;
    var s = all[+c.parentNode.dataset.k];
    var last = s.v.length - (s.pr ? 0 : 1);
    var i = c._sel == null ? last : c._sel;
    if (e.key === 'ArrowLeft') i = Math.max(0, i - 1);
    else if (e.key === 'ArrowRight') i = Math.min(last, i + 1);
    else if (e.key === 'Home') i = 0;
    else if (e.key === 'End') i = last;
    else if (e.key === 'Enter') { open(s, i); return; }
    else if (e.key === 'Escape') { hideTip(c); return; }
    else return;
    e.preventDefault();
    if (!c._layout) draw(c.parentNode);
    var rect = c.getBoundingClientRect(), L = c._layout;
    var slot = i < s.v.length ? xOf(s, i) : commits.length;
    var y = i < s.v.length ? s.v[i] : s.pr.v;
    showTip(c, s, i, rect.left + L.X(slot), rect.top + L.Y(y));
  });
  chartsEl.addEventListener('focusout', function (e) { if (e.target.tagName === 'CANVAS') hideTip(e.target); });
  chartsEl.addEventListener('toggle', function (e) {
    var d = e.target;
    if (d.tagName !== 'DETAILS' || !d.open || d.dataset.filled) return;
    var s = all[+d.parentNode.dataset.k];
    var rows = ['<table><thead><tr><th scope="col">Commit</th><th scope="col">Date</th><th scope="col">Value</th><th scope="col">95 % interval</th><th scope="col">Samples</th><th scope="col">Runner</th></tr></thead><tbody>'];
    for (var i = s.v.length - 1; i >= 0; i--) {
      var c = commits[xOf(s, i)], url = link(c[0]);
      var sha = url ? '<a href="' + esc(url) + '"><code>' + short(c[0]) + '</code></a>' : '<code>' + short(c[0]) + '</code>';
      var iv = s.h && s.h[i] > 0 ? fmt(s.unit, s.v[i] * Math.exp(-s.h[i])) + ' to ' + fmt(s.unit, s.v[i] * Math.exp(s.h[i])) : '';
      rows.push('<tr><th scope="row">' + sha + (shiftAt(s, i) ? ' (level moved)' : '') + '</th><td>' + esc(c[2].slice(0, 10)) + '</td><td class="num">' +
        fmt(s.unit, s.v[i]) + '</td><td class="num">' + iv + '</td><td class="num">' + nOf(s, i) + '</td><td>' + esc(runnerOf(s, i)) + '</td></tr>');
    }
    rows.push('</tbody></table>');
    d.insertAdjacentHTML('beforeend', '<div class="scroll">' + rows.join('') + '</div>');
    d.dataset.filled = '1';
  }, true);

  // ---- filter ------------------------------------------------------------------------------
  function matcher(q) {
    q = q.trim();
    if (!q) return function () { return true; };
    if (/[*?]/.test(q)) {
      var re = '';
      for (var i = 0; i < q.length; i++) {
        var ch = q[i];
        if (ch === '*' && q[i + 1] === '*') { re += '.*'; i++; }
        else if (ch === '*') re += '[^/]*';
        else if (ch === '?') re += '[^/]';
        else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      var rx = new RegExp('^' + re + '$', 'i');
      return function (s) { return rx.test(s.id) || rx.test(s.suite + '/' + s.id); };
    }
    var lower = q.toLowerCase();
    return function (s) { return (s.suite + ' ' + s.id).toLowerCase().indexOf(lower) >= 0; };
  }
  function applyFilter(q, keep) {
    var match = matcher(q), shown = 0;
    figures.forEach(function (f) {
      var k = +f.dataset.k, on = match(all[k]);
      f.hidden = !on;
      var row = document.getElementById('m' + k);
      if (row) row.hidden = !on;
      if (on) shown++;
    });
    chartsEl.querySelectorAll('section.group').forEach(function (g) {
      g.hidden = !g.querySelector('figure.chart:not([hidden])');
    });
    countEl.textContent = shown + ' of ' + figures.length + ' chart' + (figures.length === 1 ? '' : 's');
    countEl.dataset.shown = shown;
    if (keep) {
      try { history.replaceState(null, '', q ? '#filter=' + encodeURIComponent(q) : location.pathname + location.search); } catch (err) { /* file: pages may refuse */ }
    }
  }
  function initialFilter() {
    var m = /(?:^#|&)filter=([^&]*)/.exec(location.hash) || /[?&]filter=([^&]*)/.exec(location.search);
    if (!m) return '';
    try { return decodeURIComponent(m[1].replace(/\+/g, ' ')); } catch (err) { return ''; }
  }
  var timer = null;
  filterEl.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { applyFilter(filterEl.value, true); }, 120);
  });
  filterEl.value = initialFilter();
  applyFilter(filterEl.value, false);
  // The charts of the first screen are drawn now, not on the observer's first callback, which a
  // busy or headless browser may deliver late: the page is whole when the script ends.
  var reach = window.innerHeight + 300;
  figures.forEach(function (f) {
    if (f.hidden) return;
    var r = f.getBoundingClientRect();
    if (r.bottom >= -300 && r.top <= reach) { visible.add(f); if (!f.dataset.drawn) draw(f); }
  });
  document.documentElement.dataset.ready = '1';
  document.documentElement.dataset.readyMs = Math.round(performance.now());
})();
