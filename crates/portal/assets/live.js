// Live figures on the home page, as progressive enhancement: the page is
// complete without this script; with it, the latest block and the
// transaction counts follow the chain through the node's server-sent
// events (`/v1/events?outcomes=none`: heights and log sizes, no outcomes).
// Counts come from each block's log size, so a block missed in between
// (a reconnection) costs nothing; after midnight UTC today's count is
// left as the page gave it, since today then began after the page.
(function () {
  'use strict';
  function start() {
    var height = document.getElementById('live-height');
    var today = document.getElementById('live-tx-today');
    var total = document.getElementById('live-tx-total');
    if (!height || !today || !total || typeof EventSource === 'undefined') return;
    var format = new Intl.NumberFormat(document.documentElement.lang || 'en');
    // Transactions before today: the page's total less its count of today.
    var before = Number(total.dataset.value) - Number(today.dataset.value);
    var midnight = (Math.floor(Date.now() / 86400000) + 1) * 86400000;
    var events = new EventSource('/v1/events?outcomes=none');
    events.addEventListener('block', function (message) {
      var block;
      try { block = JSON.parse(message.data); } catch (e) { return; }
      if (typeof block.height !== 'number' || typeof block.log_size !== 'number') return;
      height.textContent = format.format(block.height);
      height.setAttribute('href', '/explorer/blocks/' + block.height);
      total.textContent = format.format(block.log_size);
      if (Date.now() < midnight) today.textContent = format.format(block.log_size - before);
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
