// Live figures on the home page, as progressive enhancement: the page is
// complete without this script; with it, the latest block and the
// transaction counts follow the chain through the node's server-sent
// events (`/v1/events?outcomes=none`: heights and counts, no outcomes).
(function () {
  'use strict';
  function start() {
    var height = document.getElementById('live-height');
    var today = document.getElementById('live-tx-today');
    var total = document.getElementById('live-tx-total');
    if (!height || !today || !total || typeof EventSource === 'undefined') return;
    var format = new Intl.NumberFormat(document.documentElement.lang || 'en');
    var counts = { today: Number(today.dataset.value), total: Number(total.dataset.value) };
    var events = new EventSource('/v1/events?outcomes=none');
    events.addEventListener('block', function (message) {
      var block;
      try { block = JSON.parse(message.data); } catch (e) { return; }
      if (typeof block.height !== 'number' || typeof block.tx_count !== 'number') return;
      counts.today += block.tx_count;
      counts.total += block.tx_count;
      height.textContent = format.format(block.height);
      height.setAttribute('href', '/explorer/blocks/' + block.height);
      today.textContent = format.format(counts.today);
      total.textContent = format.format(counts.total);
    });
    // The node going away (a restart) is not the reader's problem: the
    // browser reconnects by itself; closing on unload keeps it quiet.
    window.addEventListener('pagehide', function () { events.close(); });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
