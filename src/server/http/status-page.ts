/**
 * The status page (`GET /` on the HTTP port): one self-contained HTML document whose
 * script reads `/stats` every two seconds and renders the streams (publisher, codecs,
 * bitrates, players, recording, pushes) and the clients.
 *
 * Invariant: client-supplied text (app and stream names, addresses) reaches the page
 * only through `textContent`, never as markup; the page loads nothing from elsewhere.
 */

/** The HTML of the status page. */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rtmpkit server</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid #ddd; padding: .3em .7em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
#summary, .muted { color: #666; }
</style>
</head>
<body>
<h1>rtmpkit server</h1>
<div id="summary">loading /stats…</div>
<h2>Streams</h2>
<table id="streams"><thead><tr>
<th>Stream</th><th>Publisher</th><th>Video</th><th>Audio</th><th>In</th><th>Out</th>
<th>Received</th><th>Players</th><th>Recording</th><th>Push</th><th>Uptime</th>
</tr></thead><tbody></tbody></table>
<h2>Clients</h2>
<table id="clients"><thead><tr>
<th>#</th><th>Protocol</th><th>Address</th><th>State</th><th>App</th><th>Streams</th>
<th>In</th><th>Out</th><th>Uptime</th>
</tr></thead><tbody></tbody></table>
<script>
'use strict';
function kbps(bps) { return (bps / 1000).toFixed(0) + ' kbit/s'; }
function bytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1048576).toFixed(1) + ' MiB';
}
function dur(s) {
  s = Math.floor(s);
  var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, x = s % 60;
  return (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(x).padStart(2, '0');
}
function row(tbody, cells) {
  var tr = document.createElement('tr');
  cells.forEach(function (c) {
    var td = document.createElement('td');
    td.textContent = c[0];
    if (c[1]) td.dataset.field = c[1];
    if (c[2]) td.className = 'n';
    tr.appendChild(td);
  });
  tbody.appendChild(tr);
}
function video(v) {
  if (!v) return '–';
  return v.codec + (v.width ? ' ' + v.width + 'x' + v.height : '') + (v.fps ? ' ' + v.fps + ' fps' : '');
}
function audio(a) {
  if (!a) return '–';
  return a.codec + (a.sampleRate ? ' ' + a.sampleRate + ' Hz' : '') + (a.channels ? ' ' + a.channels + ' ch' : '');
}
function render(s) {
  var sv = s.server;
  document.getElementById('summary').textContent =
    'up ' + dur(sv.uptime) + ' · connections: ' + sv.connections + ' · in ' + kbps(sv.bitrateIn) +
    ' · out ' + kbps(sv.bitrateOut) + ' · ' + bytes(sv.bytesIn) + ' received, ' + bytes(sv.bytesOut) + ' sent';
  var st = document.querySelector('#streams tbody');
  st.textContent = '';
  s.apps.forEach(function (app) {
    app.streams.forEach(function (x) {
      var p = x.publisher;
      row(st, [
        [x.app + '/' + x.name, 'name'],
        [p ? '#' + p.clientId + ' ' + p.address + ' (' + p.type + ')' : 'waiting', 'publisher'],
        [video(x.codecs.video), 'video'],
        [audio(x.codecs.audio), 'audio'],
        [kbps(x.bitrateIn), 'bitrateIn', 1],
        [kbps(x.bitrateOut), 'bitrateOut', 1],
        [bytes(x.bytesIn), 'bytesIn', 1],
        [x.players + ' RTMP, ' + x.httpPlayers + ' HTTP', 'players'],
        [x.recording ? x.recording.path + ' (' + bytes(x.recording.bytes) + ')' : '–', 'recording'],
        [x.pushes.map(function (q) { return q.url + ' ' + q.state; }).join(', ') || '–', 'pushes'],
        [dur(x.uptime), 'uptime', 1],
      ]);
    });
  });
  if (!st.children.length) row(st, [['no live streams']]);
  var ct = document.querySelector('#clients tbody');
  ct.textContent = '';
  s.clients.forEach(function (c) {
    row(ct, [
      [String(c.id), 'id', 1],
      [c.protocol],
      [c.address + ':' + c.port],
      [c.state],
      [c.app || '–'],
      [c.streams.map(function (x) { return x.kind + (x.name ? ' ' + x.name : ''); }).join(', ') || '–'],
      [bytes(c.bytesIn), 0, 1],
      [bytes(c.bytesOut), 0, 1],
      [dur(c.uptime), 0, 1],
    ]);
  });
  if (!ct.children.length) row(ct, [['no clients']]);
}
function refresh() {
  fetch('stats', { cache: 'no-store' })
    .then(function (r) { return r.json(); })
    .then(render, function (e) { document.getElementById('summary').textContent = 'cannot read /stats: ' + e; })
    .finally(function () { setTimeout(refresh, 2000); });
}
refresh();
</script>
</body>
</html>
`;
