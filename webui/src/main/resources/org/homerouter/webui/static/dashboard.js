// The dashboard, live. Throughput: polls /api/throughput (cumulative byte counters) every 2 s and
// draws the rates of the last two minutes. Tables: every block marked data-live (server state,
// site-to-site, problems, sessions, history) is redrawn from a fresh copy of the page every 15 s,
// and at once when the number of sessions changes, so a client that connects or drops shows
// without a reload (but not a block the owner is pointing or typing in); times.js shows the times in
// the redrawn blocks in the browser's zone, as it watches the page. No library: a canvas and a few
// lines. A Pause live updates button stops both.
(function () {
  var canvas = document.getElementById('chart');
  if (!canvas) { return; }
  var drawnSessions = null;   // the session count when the tables were last drawn
  var lastRedraw = Date.now();
  var paused = false;         // the owner's Pause live updates button
  var said = document.getElementById('sessions-said');
  var pause = document.getElementById('live-pause');
  var ctx = canvas.getContext('2d');
  var points = [];          // {t, inRate, outRate} in bytes/s
  var last = null;
  var KEEP = 60;

  function human(bps) {
    var bits = bps * 8;
    if (bits < 1e3) { return bits.toFixed(0) + ' bit/s'; }
    if (bits < 1e6) { return (bits / 1e3).toFixed(1) + ' kbit/s'; }
    return (bits / 1e6).toFixed(2) + ' Mbit/s';
  }

  // Drawn at the size the stylesheet gives the canvas (its width, a quarter of it high): its pixels
  // follow that size, so a phone's narrow chart is not a 720-pixel one shrunk to tiny text.
  function draw() {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) { return; }   // not laid out (hidden): nothing to size it by
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    var max = 1;
    points.forEach(function (p) { max = Math.max(max, p.inRate, p.outRate); });
    ctx.strokeStyle = '#e5e7eb';
    ctx.beginPath(); ctx.moveTo(0, h - 1); ctx.lineTo(w, h - 1); ctx.stroke();
    ctx.fillStyle = '#5b6570';
    ctx.font = '11px sans-serif';
    ctx.fillText('peak ' + human(max), 4, 12);
    [['inRate', '#1f5fa8'], ['outRate', '#a85400']].forEach(function (series) {
      ctx.strokeStyle = series[1];
      ctx.lineWidth = 2;
      ctx.beginPath();
      points.forEach(function (p, i) {
        var x = w - (points.length - 1 - i) * (w / (KEEP - 1));
        var y = h - 2 - (p[series[0]] / max) * (h - 20);
        if (i === 0) { ctx.moveTo(x, y); } else { ctx.lineTo(x, y); }
      });
      ctx.stroke();
    });
  }

  // Said instead of the last figures, which would otherwise stay on screen as if current.
  function stale(why) {
    document.getElementById('chart-now').textContent = 'not updating: ' + why;
  }

  // A block is not redrawn under the owner: while the keyboard focus or the mouse is in it, its new
  // copy waits and goes in when they leave. Otherwise a redraw drops the focus (a screen reader
  // starts over) and moves the rows under a pointer about to click. A tap on a phone gives no
  // warning; the Disconnect button there only asks (a confirming page) and names whom.
  var held = {};            // block id -> its fresh copy, waiting for the owner to leave the block
  var pointerIn = {};       // block id -> true while a pointer is over it
  function inUse(block) {
    return pointerIn[block.id] || block.contains(document.activeElement);
  }
  function put(block, fresh) {
    if (inUse(block)) { held[block.id] = fresh; return; }
    delete held[block.id];
    update(block, fresh);
  }

  // Only what changed is rewritten: a cell's text in place, a node of another kind replaced. A screen
  // reader's reading position is not the focus and is lost with the node it is on: rewriting every
  // block every 15 s threw its user off the row being read. A <time> of the same instant is left as
  // times.js showed it (the fresh copy has it in UTC).
  function update(old, fresh) {
    var a = old.childNodes, b = fresh.childNodes, i;
    for (i = 0; i < b.length; i++) {
      if (i >= a.length) {
        old.appendChild(document.importNode(b[i], true));
      } else if (a[i].nodeName !== b[i].nodeName
          || a[i].nodeName === 'TIME' && a[i].getAttribute('datetime') !== b[i].getAttribute('datetime')) {
        old.replaceChild(document.importNode(b[i], true), a[i]);   // a new <time>: times.js sees it added
      } else if (a[i].nodeType === Node.TEXT_NODE) {
        if (a[i].data !== b[i].data) { a[i].data = b[i].data; }
      } else if (a[i].nodeType === Node.ELEMENT_NODE && a[i].nodeName !== 'TIME') {
        attributes(a[i], b[i]);
        update(a[i], b[i]);
      }
    }
    while (a.length > b.length) { old.removeChild(old.lastChild); }
  }
  function attributes(old, fresh) {
    Array.prototype.slice.call(old.attributes).forEach(function (at) {
      if (!fresh.hasAttribute(at.name)) { old.removeAttribute(at.name); }
    });
    Array.prototype.forEach.call(fresh.attributes, function (at) {
      if (old.getAttribute(at.name) !== at.value) { old.setAttribute(at.name, at.value); }
    });
  }
  function release(block) {
    // After the event: focus that moves to another element of the same block keeps it held.
    setTimeout(function () {
      // Paused, a copy held back stays back too (nothing changes until the owner resumes).
      if (!paused && held.hasOwnProperty(block.id)) { put(block, held[block.id]); }
    }, 0);
  }
  document.querySelectorAll('[data-live]').forEach(function (block) {
    block.addEventListener('pointerenter', function () { pointerIn[block.id] = true; });
    block.addEventListener('pointerleave', function () { delete pointerIn[block.id]; release(block); });
    block.addEventListener('focusout', function () { release(block); });
  });

  // The page as the server renders it now (live=1: without taking a notice meant for the next page
  // shown); only the data-live blocks are taken from it. A redirect
  // (to the login form, once the login has expired) leaves the page as it is.
  function redrawTables() {
    lastRedraw = Date.now();
    fetch('/?live=1', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
      .then(function (html) {
        if (!html || paused) { return; }
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live]').forEach(function (block) {
          var now = fresh.getElementById(block.id);
          if (now) { put(block, now); }
        });
        canvas.dataset.redraws = String(Number(canvas.dataset.redraws || 0) + 1);
      })
      .catch(function () { /* the throughput poll says when the router does not answer */ });
  }

  // Read out by screen readers (a polite live region): set only when the count changes.
  function sayCount(n) {
    said.textContent = (n === 0 ? 'No' : String(n)) + ' VPN session' + (n === 1 ? '' : 's') + ' connected';
  }

  // Paused, nothing on the page changes until the owner resumes; then the rate starts afresh.
  pause.hidden = false;
  pause.addEventListener('click', function () {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    if (paused) {
      document.getElementById('chart-now').textContent = 'paused';
    } else {
      last = null;
      poll();
    }
  });

  // A tab in the background asks nothing (two tabs left open all day kept the router's slow cores
  // busy redrawing tables nobody saw); shown again, it starts afresh at once.
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && !paused) {
      last = null;
      poll();
    }
  });

  function poll() {
    if (paused || document.hidden) { return; }
    fetch('/api/throughput', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401 || r.status === 403) {
          stale('you are logged out (reload the page to log in again)');
          return null;
        }
        return r.ok ? r.json() : null;
      })
      .then(function (s) {
        if (!s || paused) { return; }
        // s.t: the router's elapsed-time clock in ms, not the time of day, which can step by months.
        if (last && s.t > last.t) {
          var dt = (s.t - last.t) / 1000;
          points.push({ t: s.t, inRate: Math.max(0, s['in'] - last['in']) / dt, outRate: Math.max(0, s.out - last.out) / dt });
          if (points.length > KEEP) { points.shift(); }
          canvas.dataset.points = String(points.length);
          var p = points[points.length - 1];
          document.getElementById('chart-now').textContent = 'now: ' + human(p.inRate) + ' in, ' + human(p.outRate)
            + ' out, ' + s.sessions + ' session(s)';
        }
        last = s;
        draw();
        if (drawnSessions === null) {
          drawnSessions = s.sessions;    // the page was drawn just now
        } else if (s.sessions !== drawnSessions || Date.now() - lastRedraw >= 15000) {
          if (s.sessions !== drawnSessions) { sayCount(s.sessions); }
          drawnSessions = s.sessions;
          redrawTables();
        }
      })
      .catch(function () { stale('the router does not answer (it tries again every 2 s)'); });
  }
  poll();
  setInterval(poll, 2000);
}());
