/**
 * The script that runs in the page: it draws the charts from the inlined data with the two
 * libraries (lightweight-charts: price, fills, position, equity; uPlot: underwater, histogram, Q-Q,
 * rolling figures), fills the sortable trade lists, and sets `window.__report` once everything has
 * drawn: `{ ready, charts: [{ id, lib, series: [{ name, color }], markers }] }`, which the browser
 * tests read. Plain ES2020, no build step: it is inlined as written.
 */

export const CLIENT_JS = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var m = data.model;
  var charts = [];
  var ranges = [];
  var C = {
    equity: '#2962ff', shade: 'rgba(239,83,80,0.18)', underwater: '#c62828', up: '#26a69a', down: '#ef5350',
    line: '#455a64', position: '#7e57c2', buy: '#1565c0', sell: '#e65100', hist: '#5c6bc0', normal: '#ff6f00',
    qq: '#00897b', ref: '#8e24aa', sharpe: '#1e88e5', vol: '#f4511e'
  };
  function el(id) { return document.getElementById(id); }
  function fmtTime(s) { return new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' '); }
  var formats = {};
  function fmtNum(v, d) {
    if (v === null || v === undefined) return '';
    var k = d === undefined ? 8 : d;
    var f = formats[k] || (formats[k] = new Intl.NumberFormat('en-US', { maximumFractionDigits: k }));
    return f.format(v);
  }
  function fmtDur(sec) {
    var ms = sec * 1000; if (ms <= 0) return '0';
    var d = Math.floor(ms / 86400000), h = Math.floor((ms % 86400000) / 3600000), mi = Math.floor((ms % 3600000) / 60000);
    if (d > 0) return d + 'd ' + h + 'h'; if (h > 0) return h + 'h ' + mi + 'm'; return mi + 'm ' + Math.round((ms % 60000) / 1000) + 's';
  }
  function pct(v) { return v === null ? '' : (v * 100).toFixed(2) + '%'; }
  var LW = window.LightweightCharts;
  function lwChart(node, extra) {
    var opts = { autoSize: true, layout: { background: { color: '#ffffff' }, textColor: '#333' },
      grid: { vertLines: { color: '#f0f3fa' }, horzLines: { color: '#f0f3fa' } },
      timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.001 }, rightPriceScale: { borderVisible: false } };
    for (var k in extra) opts[k] = extra[k];
    return LW.createChart(node, opts);
  }
  function zip(t, v) { var out = new Array(t.length); for (var i = 0; i < t.length; i++) out[i] = { time: t[i], value: v[i] }; return out; }
  function width(node) { return Math.max(200, node.clientWidth || 600); }
  function uchart(node, opts, cols) {
    var h = Number(node.getAttribute('data-height')) || 300;
    opts.width = width(node); opts.height = h;
    var u = new uPlot(opts, cols, node);
    new ResizeObserver(function () { if (Math.abs(width(node) - u.width) > 1) u.setSize({ width: width(node), height: h }); }).observe(node);
    return u;
  }

  function drawEquity() {
    var node = el('equity'); if (!node || m.equity.t.length === 0) return;
    var chart = lwChart(node, {});
    var s = chart.addSeries(LW.LineSeries, { color: C.equity, lineWidth: 2, priceLineVisible: false });
    s.setData(zip(m.equity.t, m.equity.v));
    var inside = m.equity.t.map(function (t) {
      for (var i = 0; i < m.equity.shaded.length; i++) { var p = m.equity.shaded[i]; if (t >= p.from && t <= p.to) return 1; }
      return 0;
    });
    var shade = chart.addSeries(LW.AreaSeries, { priceScaleId: 'shade', lineVisible: false, topColor: C.shade, bottomColor: C.shade,
      lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: false,
      autoscaleInfoProvider: function () { return { priceRange: { minValue: 0, maxValue: 1 } }; } });
    chart.priceScale('shade').applyOptions({ scaleMargins: { top: 0, bottom: 0 }, visible: false });
    shade.setData(zip(m.equity.t, inside));
    chart.timeScale().fitContent();
    ranges.push({ id: 'equity', chart: chart, first: m.equity.t[0], last: m.equity.t[m.equity.t.length - 1] });
    charts.push({ id: 'equity', lib: 'lightweight-charts', series: [{ name: 'equity', color: C.equity }, { name: 'drawdown shading', color: C.shade, shaded: m.equity.shaded.length }], markers: 0 });
    var u = m.equity.underwater;
    uchart(el('underwater'), { scales: { x: { time: true } }, legend: { show: true },
      series: [{}, { label: 'underwater', stroke: C.underwater, fill: 'rgba(198,40,40,0.15)', width: 1.5, value: function (_, v) { return pct(v); } }],
      axes: [{}, { values: function (_, vals) { return vals.map(function (v) { return (v * 100).toFixed(0) + '%'; }); } }] }, [u.t, u.v]);
    charts.push({ id: 'underwater', lib: 'uplot', series: [{ name: 'underwater', color: C.underwater }], markers: 0 });
  }

  function drawPrice(inst, i) {
    var node = el('price-' + i); if (!node) return;
    var chart = lwChart(node, {});
    var series = [];
    var main;
    if (inst.kind === 'candles') {
      var c = inst.candles, bars = new Array(c.t.length);
      for (var j = 0; j < c.t.length; j++) bars[j] = { time: c.t[j], open: c.o[j], high: c.h[j], low: c.l[j], close: c.c[j] };
      main = chart.addSeries(LW.CandlestickSeries, { upColor: C.up, downColor: C.down, wickUpColor: C.up, wickDownColor: C.down, borderVisible: false });
      main.setData(bars);
      series.push({ name: 'candles up', color: C.up }, { name: 'candles down', color: C.down });
    } else {
      main = chart.addSeries(LW.LineSeries, { color: C.line, lineWidth: 2 });
      main.setData(zip(inst.line.t, inst.line.v));
      series.push({ name: 'price', color: C.line });
    }
    var markers = inst.markers.map(function (mk) {
      var buy = mk.side === 'buy';
      return { time: mk.time, position: buy ? 'belowBar' : 'aboveBar', color: buy ? C.buy : C.sell, shape: buy ? 'arrowUp' : 'arrowDown', text: mk.count > 1 ? String(mk.count) : '' };
    });
    var api = LW.createSeriesMarkers(main, markers);
    var pos = chart.addSeries(LW.LineSeries, { color: C.position, lineWidth: 2, lineType: 1, priceLineVisible: false, title: 'position' }, 1);
    pos.setData(zip(inst.position.t, inst.position.v));
    var panes = chart.panes(); if (panes.length > 1) panes[1].setHeight(90);
    series.push({ name: 'position', color: C.position });
    chart.timeScale().fitContent();
    var byBar = {};
    for (var f = 0; f < inst.fills.t.length; f++) { var b = inst.fills.bar[f]; (byBar[b] = byBar[b] || []).push(f); }
    var tip = document.createElement('div'); tip.className = 'tip'; node.appendChild(tip);
    chart.subscribeCrosshairMove(function (p) {
      var list = p.logical === undefined ? undefined : byBar[Math.round(p.logical)];
      if (!p.point || !list) { tip.style.display = 'none'; return; }
      var fl = inst.fills, lines = list.slice(0, 6).map(function (k) {
        return fl.side[k] + ' ' + fmtNum(fl.amount[k]) + ' @ ' + fmtNum(fl.price[k]) + ', fee ' + fmtNum(fl.fee[k]) + '  (' + fmtTime(fl.t[k]) + ')';
      });
      if (list.length > 6) lines.push('and ' + (list.length - 6) + ' more');
      tip.textContent = ''; lines.forEach(function (l) { var d = document.createElement('div'); d.textContent = l; tip.appendChild(d); });
      tip.style.display = 'block'; tip.style.left = Math.min(p.point.x + 12, node.clientWidth - 260) + 'px'; tip.style.top = '8px';
    });
    var bt = inst.kind === 'candles' ? inst.candles.t : inst.line.t;
    ranges.push({ id: 'price-' + i, chart: chart, first: bt[0], last: bt[bt.length - 1] });
    charts.push({ id: 'price-' + i, lib: 'lightweight-charts', series: series, markers: api.markers().length, fills: inst.fills.t.length });
  }

  function drawTrades(inst, i) {
    var table = el('trades-' + i); if (!table) return;
    var tr = inst.trades, n = tr.pnl.length, order = [];
    for (var k = 0; k < n; k++) order.push(k);
    var get = {
      n: function (k) { return k; }, side: function (k) { return tr.side[k]; }, amount: function (k) { return tr.amount[k]; },
      entryTime: function (k) { return tr.entryTime[k]; }, entryPrice: function (k) { return tr.entryPrice[k]; },
      exitTime: function (k) { return tr.exitTime[k]; }, exitPrice: function (k) { return tr.exitPrice[k] === null ? -Infinity : tr.exitPrice[k]; },
      pnl: function (k) { return tr.pnl[k]; }, fees: function (k) { return tr.fees[k]; },
      duration: function (k) { return tr.exitTime[k] - tr.entryTime[k]; }
    };
    function esc(s) { return String(s).replace(/[&<>]/g, function (c) { return c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'; }); }
    // Long lists are shown a page at a time (sorting orders the whole list): a table of tens of
    // thousands of rows takes the browser seconds to lay out.
    var PAGE = 500, pageNo = 0, pages = Math.max(1, Math.ceil(n / PAGE));
    var pager = null;
    if (n > PAGE) {
      pager = document.createElement('div'); pager.className = 'pager';
      pager.innerHTML = '<button data-go="-1">&lsaquo; previous</button> <span></span> <button data-go="1">next &rsaquo;</button>';
      table.parentNode.parentNode.insertBefore(pager, table.parentNode);
      pager.addEventListener('click', function (ev) {
        var go = Number(ev.target.getAttribute && ev.target.getAttribute('data-go'));
        if (!go) return; pageNo = Math.min(pages - 1, Math.max(0, pageNo + go)); render();
      });
    }
    function render() {
      var from = pageNo * PAGE, to = Math.min(n, from + PAGE);
      if (pager) pager.querySelector('span').textContent = 'trades ' + (from + 1).toLocaleString('en-US') + '-' + to.toLocaleString('en-US') + ' of ' + n.toLocaleString('en-US');
      var html = new Array(to - from);
      for (var r = from; r < to; r++) {
        var k = order[r];
        html[r - from] = '<tr data-trade="' + k + '"><td>' + (k + 1) + '</td><td>' + esc(tr.side[k]) + '</td><td>' + fmtNum(tr.amount[k]) + '</td><td>' + fmtTime(tr.entryTime[k]) +
          '</td><td>' + fmtNum(tr.entryPrice[k]) + '</td><td>' + fmtTime(tr.exitTime[k]) + '</td><td>' + fmtNum(tr.exitPrice[k]) +
          '</td><td class="' + (tr.pnl[k] < 0 ? 'neg' : '') + '" data-value="' + tr.pnl[k] + '">' + fmtNum(tr.pnl[k], 2) + '</td><td>' + fmtNum(tr.fees[k], 4) +
          '</td><td>' + fmtDur(tr.exitTime[k] - tr.entryTime[k]) + '</td></tr>';
      }
      table.tBodies[0].innerHTML = html.join('');
    }
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th) {
      th.addEventListener('click', function () {
        var col = th.getAttribute('data-col'), g = get[col], desc = th.classList.contains('sorted-asc');
        Array.prototype.forEach.call(heads, function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
        th.classList.add(desc ? 'sorted-desc' : 'sorted-asc');
        order.sort(function (a, b) { var x = g(a), y = g(b); var c = x < y ? -1 : x > y ? 1 : a - b; return desc ? -c : c; });
        pageNo = 0; render();
      });
    });
    render();
  }

  function drawDistribution() {
    var d = m.returns.distribution; if (!d || !el('histogram')) return;
    var w = d.edges.length > 1 ? d.edges[1] - d.edges[0] : 1;
    var mid = d.edges.map(function (e) { return e + w / 2; });
    uchart(el('histogram'), { title: 'returns per ' + m.returns.period + ', with a normal density', scales: { x: { time: false } },
      series: [{ value: function (_, v) { return pct(v); } },
        { label: 'count', stroke: C.hist, fill: 'rgba(92,107,192,0.55)', paths: uPlot.paths.bars({ size: [0.95, 100] }), points: { show: false } },
        { label: 'normal', stroke: C.normal, width: 2, points: { show: false } }],
      axes: [{ values: function (_, vals) { return vals.map(function (v) { return (v * 100).toFixed(1) + '%'; }); } }, {}] }, [mid, d.counts, d.normal]);
    charts.push({ id: 'histogram', lib: 'uplot', series: [{ name: 'count', color: C.hist }, { name: 'normal', color: C.normal }], markers: 0 });
    var ref = d.qqX.map(function (x) { return d.mean + d.stdDev * x; });
    uchart(el('qq'), { title: 'Q-Q against a normal distribution', scales: { x: { time: false } },
      series: [{ label: 'normal quantile' },
        { label: 'return', stroke: C.qq, fill: C.qq, paths: function () { return null; }, points: { show: true, size: 5, stroke: C.qq, fill: C.qq } },
        { label: 'mean + sd x', stroke: C.ref, width: 1.5, points: { show: false } }] }, [d.qqX, d.qqY, ref]);
    charts.push({ id: 'qq', lib: 'uplot', series: [{ name: 'return', color: C.qq }, { name: 'reference', color: C.ref }], markers: 0 });
  }

  function drawRolling() {
    var r = m.rolling; if (!el('rolling') || r.t.length === 0) return;
    uchart(el('rolling'), { scales: { x: { time: true }, y: {}, vol: {} },
      series: [{}, { label: 'Sharpe ratio', stroke: C.sharpe, width: 1.5, scale: 'y', value: function (_, v) { return v === null ? '' : v.toFixed(3); } },
        { label: 'volatility', stroke: C.vol, width: 1.5, scale: 'vol', value: function (_, v) { return pct(v); } }],
      axes: [{}, { scale: 'y' }, { scale: 'vol', side: 1, grid: { show: false }, values: function (_, vals) { return vals.map(function (v) { return (v * 100).toFixed(v < 0.1 ? 1 : 0) + '%'; }); } }] },
      [r.t, r.sharpe, r.volatility]);
    charts.push({ id: 'rolling', lib: 'uplot', series: [{ name: 'Sharpe ratio', color: C.sharpe }, { name: 'volatility', color: C.vol }], markers: 0 });
  }

  var timings = {};
  function step(name, fn) { var t0 = performance.now(); fn(); timings[name] = Math.round(performance.now() - t0); }
  if (m) {
    step('equity', drawEquity);
    m.instruments.forEach(function (inst, i) {
      if (inst.kind !== 'none') step('price-' + i, function () { drawPrice(inst, i); });
    });
    step('distribution', drawDistribution);
    step('rolling', drawRolling);
    m.instruments.forEach(function (inst, i) { step('trades-' + i, function () { drawTrades(inst, i); }); });
  }
  requestAnimationFrame(function () { requestAnimationFrame(function () {
    // What each time-scale chart shows against what it was given (every drawn point should be in view).
    ranges.forEach(function (r) {
      var v = r.chart.timeScale().getVisibleRange();
      var c = charts.filter(function (x) { return x.id === r.id; })[0];
      c.visible = v ? { from: v.from, to: v.to } : null; c.data = { from: r.first, to: r.last };
    });
    window.__report = { ready: true, charts: charts, timings: timings, sinceStart: Math.round(performance.now()) };
    document.body.setAttribute('data-ready', 'true');
  }); });
})();
`;
