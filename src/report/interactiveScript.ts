/**
 * The page's only script (vanilla JS, no library, nothing fetched): hover read-outs on every chart,
 * drag-to-zoom on the shared time axis (double-click resets), and baseline switching in the verdict
 * table. It reads what the SVGs carry: `data-plot`, `data-x`, `data-y` and the JSON in
 * `desc.chart-data` (see chartData.ts). The static drawing is complete without it.
 */
export const INTERACTIVE_SCRIPT = String.raw`
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var tip = document.createElement('div');
  tip.id = 'tip';
  tip.setAttribute('role', 'tooltip');
  document.body.appendChild(tip);
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    return a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : a >= 0.001 ? v.toPrecision(3) : v.toExponential(2);
  }
  function showTip(html, ev) {
    tip.innerHTML = html;
    tip.style.display = 'block';
    var x = ev.clientX + 14, y = ev.clientY + 14, w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) x = ev.clientX - w - 14;
    if (y + h > window.innerHeight - 8) y = ev.clientY - h - 14;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }
  function hideTip() { tip.style.display = 'none'; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }
  function swatch(c) { return '<i style="background:' + esc(c) + '"></i>'; }

  // Marks with a <title> (bars, dots): the title becomes the hover text, shown at once.
  document.querySelectorAll('svg.chart title').forEach(function (t) {
    var el = t.parentNode;
    el.setAttribute('data-tip', t.textContent);
    el.removeChild(t);
  });
  document.addEventListener('mousemove', function (ev) {
    var el = ev.target && ev.target.closest ? ev.target.closest('[data-tip]') : null;
    if (el) showTip(esc(el.getAttribute('data-tip')), ev);
  });

  var charts = [];
  document.querySelectorAll('svg.chart[data-plot]').forEach(function (svg) {
    var desc = svg.querySelector('desc.chart-data');
    if (!desc) return;
    var p = svg.getAttribute('data-plot').split(',').map(Number);
    var xs = svg.getAttribute('data-x').split(',');
    var ys = svg.getAttribute('data-y').split(',').map(Number);
    var c = { svg: svg, data: JSON.parse(desc.textContent), left: p[0], top: p[1], w: p[2], h: p[3], log: xs[0] === 'log', full: [Number(xs[1]), Number(xs[2])], y: ys, ylog: svg.getAttribute('data-ylog') === '1' };
    c.dom = c.full.slice();
    charts.push(c);
    attach(c);
  });

  function px2x(c, px) {
    var f = px / c.w;
    return c.log ? Math.exp(Math.log(c.dom[0]) + f * (Math.log(c.dom[1]) - Math.log(c.dom[0]))) : c.dom[0] + f * (c.dom[1] - c.dom[0]);
  }
  function x2px(c, x) {
    return c.log ? ((Math.log(x) - Math.log(c.dom[0])) / (Math.log(c.dom[1]) - Math.log(c.dom[0]))) * c.w : ((x - c.dom[0]) / (c.dom[1] - c.dom[0])) * c.w;
  }
  function y2px(c, v) {
    if (c.ylog) return c.h - ((Math.log(v) - Math.log(c.y[0])) / (Math.log(c.y[1]) - Math.log(c.y[0]))) * c.h;
    return c.h - ((v - c.y[0]) / (c.y[1] - c.y[0])) * c.h;
  }
  // Index of the last x <= v (binary search; x sorted).
  function floorIndex(xs, v) {
    var lo = 0, hi = xs.length - 1, ans = -1;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (xs[mid] <= v) { ans = mid; lo = mid + 1; } else hi = mid - 1; }
    return ans;
  }
  function plotPos(c, ev) {
    var r = c.svg.getBoundingClientRect();
    var vb = c.svg.viewBox.baseVal;
    var k = vb && vb.width ? vb.width / r.width : 1;
    return { x: (ev.clientX - r.left) * k - c.left, y: (ev.clientY - r.top) * k - c.top };
  }

  function attach(c) {
    var plot = c.svg.querySelector('g.plot');
    var rule = document.createElementNS(NS, 'line');
    rule.setAttribute('class', 'hover-rule');
    rule.setAttribute('y1', 0);
    rule.setAttribute('y2', c.h);
    rule.style.display = 'none';
    plot.appendChild(rule);
    var brush = document.createElementNS(NS, 'rect');
    brush.setAttribute('class', 'brush');
    brush.setAttribute('y', 0);
    brush.setAttribute('height', c.h);
    brush.style.display = 'none';
    plot.appendChild(brush);
    var drag = null;
    c.svg.addEventListener('mousemove', function (ev) {
      var pos = plotPos(c, ev);
      if (pos.x < 0 || pos.x > c.w || pos.y < 0 || pos.y > c.h) { rule.style.display = 'none'; if (!ev.target.closest('[data-tip]')) hideTip(); return; }
      if (drag !== null) {
        var a = Math.max(0, Math.min(drag, pos.x)), b = Math.min(c.w, Math.max(drag, pos.x));
        brush.setAttribute('x', a);
        brush.setAttribute('width', b - a);
        brush.style.display = '';
      }
      if (ev.target.closest('[data-tip]')) return;
      var xv = px2x(c, pos.x);
      rule.setAttribute('x1', pos.x);
      rule.setAttribute('x2', pos.x);
      rule.style.display = '';
      showTip(readout(c, xv), ev);
    });
    c.svg.addEventListener('mouseleave', function () { rule.style.display = 'none'; hideTip(); });
    if (!c.data.time) return;
    c.svg.classList.add('zoomable');
    c.svg.addEventListener('mousedown', function (ev) {
      var pos = plotPos(c, ev);
      if (pos.x < 0 || pos.x > c.w || pos.y < 0 || pos.y > c.h) return;
      drag = pos.x;
      ev.preventDefault();
    });
    window.addEventListener('mouseup', function (ev) {
      if (drag === null) return;
      var pos = plotPos(c, ev);
      var a = Math.max(0, Math.min(drag, pos.x)), b = Math.min(c.w, Math.max(drag, pos.x));
      drag = null;
      brush.style.display = 'none';
      if (b - a >= 4) zoomAll([px2x(c, a), px2x(c, b)]);
    });
    c.svg.addEventListener('dblclick', function () { zoomAll(null); });
  }

  function readout(c, xv) {
    var d = c.data, rows = [];
    var head = d.time ? 't = ' + fmt(xv) + ' s' : 'x = ' + fmt(xv);
    d.series.forEach(function (s) {
      var i = d.time ? -1 : floorIndex(s.x, xv);
      if (d.time) {
        var b = binsFor(c, s);
        i = floorIndex(b.t, xv);
        if (i < 0 || xv > b.t[i] + b.w) return;
        var unit = d.time.unit ? ' ' + esc(d.time.unit) : '';
        var val = fmt(b.mean[i] / d.div) + unit;
        if (s.lo && s.type !== 'stack' && b.min[i] !== b.max[i]) val += ' <span class="dim">(' + fmt(b.min[i] / d.div) + '–' + fmt(b.max[i] / d.div) + ')</span>';
        rows.push(swatch(s.color) + esc(s.label) + ': <b>' + val + '</b>');
      } else {
        if (i < 0) { if (d.step) return; i = 0; }
        if (!d.step && i + 1 < s.x.length && Math.abs(s.x[i + 1] - xv) < Math.abs(s.x[i] - xv)) i++;
        rows.push(swatch(s.color) + esc(s.label) + ': <b>' + fmt(s.y[i] / d.div) + '</b> <span class="dim">at ' + fmt(s.x[i]) + '</span>');
      }
    });
    return '<div class="tip-head">' + head + '</div>' + (rows.length ? rows.join('<br>') : '<span class="dim">no data here</span>');
  }

  // Bins drawn for the current window: fine bins merged so each is at least 3 px wide.
  function binsFor(c, s) {
    var t = c.data.time, span = c.dom[1] - c.dom[0];
    var pxPerBin = (t.binS / span) * c.w;
    var m = Math.max(1, Math.ceil(3 / pxPerBin));
    if (s._m === m && s._b) return s._b;
    var out = { t: [], mean: [], min: [], max: [], w: t.binS * m };
    var start = t.startS, g = null, sum = 0, wt = 0, lo = Infinity, hi = -Infinity;
    function flush() { if (g === null) return; out.t.push(start + g * m * t.binS); out.mean.push(wt > 0 ? sum / wt : NaN); out.min.push(lo); out.max.push(hi); }
    for (var i = 0; i < s.k.length; i++) {
      var gi = Math.floor(s.k[i] / m);
      if (gi !== g) { flush(); g = gi; sum = 0; wt = 0; lo = Infinity; hi = -Infinity; }
      if (s.y[i] !== null) { sum += s.y[i] * s.n[i]; wt += s.n[i]; }
      if (s.lo && s.lo[i] !== null && s.lo[i] < lo) lo = s.lo[i];
      if (s.hi && s.hi[i] !== null && s.hi[i] > hi) hi = s.hi[i];
    }
    flush();
    s._m = m;
    s._b = out;
    return out;
  }

  function zoomText(win) {
    document.querySelectorAll('.zoom-state').forEach(function (el) {
      el.textContent = win ? 'showing ' + fmt(win[0]) + '–' + fmt(win[1]) + ' s (double-click a time chart to reset)' : 'drag across any time chart to zoom all of them; double-click to reset';
    });
  }
  function zoomAll(win) {
    charts.forEach(function (c) {
      if (!c.data.time) return;
      c.dom = win ? win.slice() : c.full.slice();
      c.data.series.forEach(function (s) { s._b = null; });
      redraw(c);
    });
    zoomText(win);
  }

  function stepPath(b, y0, y1, area) {
    var d = '', seg = [], segs = [];
    for (var k = 0; k < b.t.length; k++) {
      if (!isFinite(y1[k]) || (k > 0 && b.t[k] > b.t[k - 1] + b.w * 1.001)) { if (seg.length) segs.push(seg); seg = []; if (!isFinite(y1[k])) continue; }
      seg.push(k);
    }
    if (seg.length) segs.push(seg);
    segs.forEach(function (sg) {
      var top = [], bot = [];
      sg.forEach(function (k) { top.push([b.t[k], y1[k]], [b.t[k] + b.w, y1[k]]); bot.push([b.t[k], y0 ? y0[k] : 0], [b.t[k] + b.w, y0 ? y0[k] : 0]); });
      var pts = area ? top.concat(bot.reverse()) : top;
      d += pts.map(function (p, i) { return (i ? 'L' : 'M') + p[0].toFixed(2) + ',' + p[1].toFixed(2); }).join('') + (area ? 'Z' : '');
    });
    return d;
  }

  function redraw(c) {
    var d = c.data, marks = c.svg.querySelector('g.marks');
    while (marks.firstChild) marks.removeChild(marks.firstChild);
    var px = function (t) { return x2px(c, t); }, py = function (v) { return y2px(c, v / d.div); };
    var below = null;
    d.series.forEach(function (s) {
      var b = binsFor(c, s);
      var xs = { t: b.t.map(px), w: (b.w / (c.dom[1] - c.dom[0])) * c.w };
      function path(cls, attrs, dd) {
        var el = document.createElementNS(NS, 'path');
        el.setAttribute('class', cls);
        el.setAttribute('data-series', s.label);
        for (var k in attrs) el.setAttribute(k, attrs[k]);
        el.setAttribute('d', dd);
        marks.appendChild(el);
      }
      if (s.type === 'stack') {
        var base = below && below.length === b.mean.length ? below : b.mean.map(function () { return 0; });
        var topv = b.mean.map(function (v, k) { return base[k] + (isFinite(v) ? v : 0); });
        path('mark series stack', { fill: s.color, 'fill-opacity': 0.75, stroke: 'none' }, stepPath(xs, base.map(py), topv.map(py), true));
        below = topv;
        return;
      }
      if (s.lo) {
        path('band', { fill: s.color, 'fill-opacity': 0.13, stroke: 'none' }, stepPath(xs, b.min.map(py), b.max.map(py), true));
      }
      var attrs = { fill: 'none', stroke: s.color, 'stroke-width': 1.6 };
      if (s.dash) attrs['stroke-dasharray'] = s.dash;
      path('mark series', attrs, stepPath(xs, null, b.mean.map(py), false));
    });
    drawXAxis(c);
  }

  function niceStep(span, n) {
    var raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }
  function drawXAxis(c) {
    var g = c.svg.querySelector('g.x-axis');
    g.querySelectorAll('g.tick').forEach(function (t) { t.parentNode.removeChild(t); });
    var step = niceStep(c.dom[1] - c.dom[0], 12);
    for (var v = Math.ceil(c.dom[0] / step) * step; v <= c.dom[1] + step * 1e-9; v += step) {
      var t = document.createElementNS(NS, 'g');
      t.setAttribute('class', 'tick');
      t.setAttribute('transform', 'translate(' + x2px(c, v).toFixed(2) + ',0)');
      var l = document.createElementNS(NS, 'line');
      l.setAttribute('stroke', 'currentColor');
      l.setAttribute('y2', 6);
      var tx = document.createElementNS(NS, 'text');
      tx.setAttribute('fill', 'currentColor');
      tx.setAttribute('y', 9);
      tx.setAttribute('dy', '0.71em');
      tx.setAttribute('text-anchor', 'middle');
      tx.textContent = String(Number(v.toPrecision(6)));
      t.appendChild(l);
      t.appendChild(tx);
      g.appendChild(t);
    }
  }

  // Verdict table: differences against the baseline picked in the select.
  var pick = document.getElementById('baseline-select');
  if (pick) {
    pick.parentNode.hidden = false;
    pick.addEventListener('change', function () {
      var rows = document.querySelectorAll('#verdict-table tbody tr');
      var base = null;
      rows.forEach(function (r) { if (r.getAttribute('data-run') === pick.value) base = r; });
      if (!base) return;
      var better = {}, points = {};
      document.querySelectorAll('#verdict-table th[data-key]').forEach(function (th) { better[th.getAttribute('data-key')] = th.getAttribute('data-better'); points[th.getAttribute('data-key')] = th.getAttribute('data-points') === '1'; });
      rows.forEach(function (r) {
        r.classList.toggle('baseline', r === base);
        r.querySelectorAll('td[data-key]').forEach(function (td) {
          var key = td.getAttribute('data-key'), span = td.querySelector('.delta');
          var a = parseFloat(td.getAttribute('data-value')), bv = parseFloat(base.querySelector('td[data-key="' + key + '"]').getAttribute('data-value'));
          span.className = 'delta';
          if (r === base) { span.textContent = 'baseline'; return; }
          var unit = points[key] ? ' pp' : ' %';
          if (!isFinite(a) || !isFinite(bv) || (bv === 0 && a !== 0 && !points[key])) { span.textContent = '±?'; return; }
          if (bv === 0 && a === 0) { span.textContent = '±0' + unit; return; }
          var pct = points[key] ? a - bv : (100 * (a - bv)) / Math.abs(bv);
          if (Math.abs(pct) < 0.05) { span.textContent = '±0' + unit; return; }
          var ab = Math.abs(pct);
          span.textContent = (pct > 0 ? '+' : '−') + (ab >= 10 ? ab.toFixed(0) : ab.toFixed(1)) + unit;
          span.className = 'delta ' + ((better[key] === 'higher') === pct > 0 ? 'good' : 'bad');
        });
      });
    });
  }
  zoomText(null);
})();
`;
