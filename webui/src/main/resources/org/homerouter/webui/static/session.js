// Warns five minutes before the idle logout (AdminSessions.IDLE, 30 minutes), or the 12-hour one: what is typed into a
// form is no activity the router sees, and a login that ends mid-form loses it (the login then comes
// back to the page, not to what was typed). "Stay logged in" is activity (/api/keepalive); the
// Dashboard's own polls are not, so a tab left open still logs out. The focus is not moved.
(function () {
  var banner = document.getElementById('idle-warning');
  var said = document.getElementById('idle-said');
  var stay = document.getElementById('idle-stay');
  if (!banner || !said) { return; }
  var words = banner.querySelector('span');
  var idle = Number(banner.getAttribute('data-idle-seconds')) * 1000;
  var before = 5 * 60 * 1000;
  var timer;
  // 12 hours after the login it ends whatever is done (AdminSessions.ABSOLUTE): no button then.
  function forGood() {
    if (stay) { stay.hidden = true; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      show('Your login ends within 5 minutes, 12 hours after you logged in: save what you typed now, then log in again.');
    }, Math.max(0, idle - before));
  }
  if (banner.hasAttribute('data-for-good') || !stay) {
    forGood();
    return;
  }
  function show(text, where) {
    words.textContent = text;
    banner.hidden = false;
    said.textContent = text + (where || '');
  }
  function arm() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      // Read out where the focus is, maybe 30 tab stops from the button: it says where the button is.
      show('Without activity you will be logged out in 5 minutes, and what you typed on this page would not be saved.',
        ' To stay, press "Stay logged in" at the foot of the page.');
    }, Math.max(0, idle - before));
  }
  stay.addEventListener('click', function () {
    fetch('/api/keepalive', { credentials: 'same-origin', cache: 'no-store' }).then(function (r) {
      return r.ok ? r.text().then(function (t) { return { ok: true, text: t }; }) : { ok: false, text: '' };
    }).then(function (r) {
      if (r.ok) {
        banner.hidden = true;
        said.textContent = '';
        // How long the login lasts from now: within the 12 hours' last half hour, that limit's.
        var seconds = /^seconds (\d+)$/m.exec(r.text);
        if (seconds) { idle = Number(seconds[1]) * 1000; }
        if (/^for-good true$/m.test(r.text)) {
          forGood();
          return;
        }
        arm();
      } else {
        stay.hidden = true; // pressed again it would only be refused again
        show('You were logged out already: save nothing more here. Copy what you typed, then log in again.');
      }
    }, function () {
      show('The router did not answer: check the connection, then try again.');
    });
  });
  arm();
}());
