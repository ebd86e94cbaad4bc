// Times in the viewer's own zone. The pages write each time as <time datetime="2026-12-05T14:03:11Z">
// 2026-12-05 14:03:11 UTC</time>, right without script; this shows it as the browser's local time
// with its zone's short name ("2026-12-05 15:03:11 CET", or "GMT+1" in some languages), the UTC
// text kept as the element's title. A MutationObserver does the same for the rows dashboard.js
// redraws every 15 s.
(function () {
  if (!window.Intl || !Intl.DateTimeFormat || !window.MutationObserver) { return; }
  var zoneName;
  try {
    zoneName = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' });
  } catch (e) {
    return;
  }
  function two(n) { return (n < 10 ? '0' : '') + n; }
  // The zone's name at that instant: CET in winter, CEST in summer.
  function shown(d) {
    var zone = '';
    zoneName.formatToParts(d).forEach(function (p) { if (p.type === 'timeZoneName') { zone = p.value; } });
    return d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + two(d.getHours()) + ':'
      + two(d.getMinutes()) + ':' + two(d.getSeconds()) + (zone ? ' ' + zone : '');
  }
  function localize() {
    document.querySelectorAll('time[datetime]').forEach(function (el) {
      var iso = el.getAttribute('datetime');
      if (el.dataset.shown === iso) { return; }   // done (also stops the observer's echo of our own change)
      var d = new Date(iso);
      if (isNaN(d.getTime())) { return; }
      el.title = el.textContent;
      el.textContent = shown(d);
      el.dataset.shown = iso;
    });
  }
  localize();
  new MutationObserver(localize).observe(document.body, { childList: true, subtree: true });
}());
