// The web UI end to end in Debian's headless Chromium: first-run setup, log out and in, add a VPN
// user, enable the VPN server, then (after the JUnit test has dialled that user in) screenshot the
// dashboard; the Logs page's times in the browser's zone (Europe/Berlin here); the nav links' size
// and focus outline on a phone-sized screen, the tables' buttons in sight there, the safe choices'
// size, no page wider than it; a notice and the question before a disconnect taking the focus, the
// Log out button's border; the import's file picker; the warning before an idle logout; last, switch HTTPS on
// over plain HTTP and off again over HTTPS, following the UI from one origin to the other. Any
// Content-Security-Policy violation or page error fails the run.
//
// usage: node ui-flow.mjs <base-url> <screenshot.png> <free-https-port>
// Protocol with the JUnit driver: prints "ENABLED" when the server is on, then waits for a line on
// stdin before the final dashboard visit.
import { chromium } from 'playwright-core';
import readline from 'node:readline';

const [base, shot, httpsPort] = process.argv.slice(2);
const ADMIN = 'browser test admin pw';
const problems = [];

function check(cond, what) {
  if (!cond) { throw new Error('check failed: ' + what); }
  console.log('ok   ' + what);
}

// The contrast ratio of two CSS colours "rgb(r, g, b)" (WCAG 2's relative luminance).
function contrast(a, b) {
  const lum = c => {
    const [r, g, bl] = c.match(/[\d.]+/g).slice(0, 3).map(Number)
      .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// Minutes from the first "yyyy-MM-dd HH:mm:ss ..." wall-clock reading to the second.
function minutesApart(from, to) {
  const at = t => Date.parse(t.slice(0, 19).replace(' ', 'T') + 'Z');
  return (at(to) - at(from)) / 60000;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  // The router's certificate is self-signed: an admin accepts it once; the test accepts it always.
  // An owner in Berlin: the pages, sent in UTC, show their times in the browser's zone.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ignoreHTTPSErrors: true,
    timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  page.on('console', m => { if (/Content.Security.Policy|Refused to/i.test(m.text())) { problems.push(m.text()); } });
  page.on('pageerror', e => problems.push('page error: ' + e.message));

  // 1. A fresh router: every page leads to first-run setup.
  await page.goto(base + '/');
  check(page.url().endsWith('/setup'), 'a fresh router opens first-run setup');
  await page.fill('#password', 'short');
  await page.fill('#password_again', 'short');
  await page.click('button[type=submit]');
  check((await page.textContent('#password-error')).includes('at least 10 characters'), 'a short admin password is refused next to the field');
  await page.fill('#password', ADMIN);
  await page.fill('#password_again', ADMIN);
  await page.click('button[type=submit]');
  await page.waitForURL(base + '/');
  check((await page.textContent('h1')) === 'Dashboard', 'setup logs in and shows the dashboard');

  // 2. Log out, then log in.
  await page.click('header .logout button');
  await page.waitForURL(/\/login$/);
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  check((await page.textContent('#password-error')).includes('wrong password'), 'a wrong password is refused');
  await page.waitForTimeout(1100); // the login throttle allows one attempt per second
  await page.fill('#password', ADMIN);
  await page.click('button[type=submit]');
  await page.waitForURL(base + '/');
  check(true, 'logged in');
  const cookies = await context.cookies();
  const session = cookies.find(c => c.name === 'hr_session');
  check(session && session.httpOnly && session.sameSite === 'Strict', 'session cookie is HttpOnly and SameSite=Strict');

  // 3. Add a VPN user.
  await page.click('nav a[href="/users"]');
  await page.fill('#name', 'alice');
  await page.fill('#password', 'alice vpn password');
  await page.fill('#password_again', 'alice vpn password');
  await page.click('form[action="/users/add"] button[type=submit]');
  check((await page.textContent('.flash')).includes('VPN user alice added.'), 'user added');
  check(await page.evaluate(() => document.activeElement.matches('.flash')),
    'the notice has the focus, so a screen reader reads it');
  check((await page.textContent('#users')).includes('alice'), 'alice is listed');

  // 4. Enable the VPN server.
  await page.click('nav a[href="/vpn"]');
  check((await page.textContent('aside.warning')).includes('PPTP is old and broken'), 'the VPN page says PPTP is broken');
  check(!(await page.isChecked('input[name=enabled]')), 'the server starts disabled');
  await page.check('input[name=enabled]');
  await page.click('form[action="/vpn"] button[type=submit]');
  check((await page.textContent('.flash')).includes('Saved and applied.'), 'settings saved and applied');
  console.log('ENABLED');

  // 5. The JUnit side dials alice in; then the dashboard shows her session and the live chart.
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) { if (line.trim() === 'GO') { break; } }
  rl.close();
  process.stdin.destroy();
  await page.click('nav a[href="/"]');
  check((await page.textContent('section.card')).includes('Running'), 'dashboard: server running');
  const sessions = await page.textContent('#sessions');
  check(sessions.includes('alice') && sessions.includes('connected'), 'dashboard: alice connected');
  check(await page.isVisible('#sessions button.danger'), 'dashboard: a Disconnect button');
  // A few polls (every 2 s) so the chart draws lines, not a single point.
  await page.waitForFunction(() => Number(document.getElementById('chart').dataset.points) >= 4, null, { timeout: 20000 });
  check(true, 'live chart fed by /api/throughput');
  await page.screenshot({ path: shot, fullPage: true });
  console.log('screenshot ' + shot);
  // The tables' redraw (every 15 s) rewrites only what changed: the cell a screen reader is on stays
  // in the page, and the live region says nothing while the number of sessions stays the same.
  await page.evaluate(() => { window.readHere = document.querySelector('#sessions td'); });
  await page.waitForFunction(() => Number(document.getElementById('chart').dataset.redraws) >= 1, null, { timeout: 25000 });
  check(await page.evaluate(() => window.readHere.isConnected && window.readHere.textContent === 'alice'),
    'dashboard: a redraw leaves the cell being read in place');
  check((await page.textContent('#sessions-said')) === '', 'dashboard: a redraw with the same sessions says nothing');
  // Pause live updates (WCAG 2.2.2): the chart stops until it is pressed again.
  await page.click('#live-pause');
  const pausedAt = await page.evaluate(() => document.getElementById('chart').dataset.points);
  await page.waitForTimeout(4500);
  check(await page.getAttribute('#live-pause', 'aria-pressed') === 'true'
    && await page.evaluate(() => document.getElementById('chart').dataset.points) === pausedAt,
    'dashboard: paused, the chart stays as it was');
  await page.click('#live-pause');

  // 5b. The Logs page's times in Berlin time (CET or CEST, "GMT+1" or "GMT+2" in some languages),
  // the UTC the router sent kept as the title; also a row put in after the page was drawn, as
  // dashboard.js redraws its tables.
  await page.click('nav a[href="/logs"]');
  check(await page.locator('#events time[datetime]').count() > 0, 'Logs: the times are <time datetime> elements');
  const first = page.locator('#events time').first();
  await page.waitForFunction(() => !/UTC$/.test(document.querySelector('#events time').textContent), null, { timeout: 5000 })
    .catch(() => {});
  const local = await first.textContent(), utc = await first.getAttribute('title');
  check(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (CES?T|GMT\+[12])$/.test(local) && / UTC$/.test(utc || '')
    && minutesApart(utc, local) === (/CEST|GMT\+2/.test(local) ? 120 : 60),
    'Logs: an event at ' + local + ' in Berlin, ' + utc + ' as its title');
  await page.evaluate(() => {
    const row = document.createElement('tr');
    row.innerHTML = '<td><time id="winter" datetime="2026-01-15T12:00:00Z">2026-01-15 12:00:00 UTC</time></td>'
      + '<td><time id="summer" datetime="2026-07-15T12:00:00Z">2026-07-15 12:00:00 UTC</time></td>';
    document.querySelector('#events tbody').appendChild(row);
  });
  await page.waitForFunction(() => !/UTC$/.test(document.getElementById('summer').textContent), null, { timeout: 5000 })
    .catch(() => {});
  const winter = await page.textContent('#winter'), summer = await page.textContent('#summer');
  check(/^2026-01-15 13:00:00 (CET|GMT\+1)$/.test(winter) && /^2026-07-15 14:00:00 (CEST|GMT\+2)$/.test(summer),
    'a row drawn later: ' + winter + ', ' + summer);

  // 5c. On a phone, 360 px wide: each nav link a target at least 24 px high, none on top of another
  // (WCAG 2.5.8); a link with the keyboard's focus outlined in white, seen on the dark header (2.4.7).
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(base + '/logs');
  const links = await page.$$eval('nav a', all => all.map(a => {
    const r = a.getBoundingClientRect();
    return { name: a.textContent, x: r.x, y: r.y, w: r.width, h: r.height };
  }));
  check(links.length === 9 && links.every(a => a.h >= 24), 'phone: each nav link 24 px high or more ('
    + links.map(a => a.name + ' ' + a.h.toFixed(1)).join(', ') + ')');
  const overlap = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  check(links.every((a, i) => links.every((b, j) => i === j || !overlap(a, b))), 'phone: no nav link overlaps another');
  await page.keyboard.press('Tab');   // the skip link
  await page.keyboard.press('Tab');   // the first nav link
  const ring = await page.evaluate(() => {
    const e = document.activeElement, s = getComputedStyle(e);
    return { link: e.matches('nav a'), style: s.outlineStyle, color: s.outlineColor };
  });
  check(ring.link && ring.style === 'solid' && ring.color === 'rgb(255, 255, 255)',
    'keyboard focus on a nav link: outlined in white (' + JSON.stringify(ring) + ')');

  // 5d. Still 360 px wide: a row's buttons stay in sight at the right edge of its table, which scrolls
  // sideways (their column sticks there); the safe choice beside a red button, and the table's Edit,
  // a target 24 px high or more (WCAG 2.5.8); no page wider than the screen.
  const box = async (locator) => {
    const r = await locator.first().boundingBox();
    return { x: r.x, right: r.x + r.width, h: r.height, said: Math.round(r.x) + '-' + Math.round(r.x + r.width)
      + ' px across, ' + r.height.toFixed(1) + ' px high' };
  };
  await page.goto(base + '/users');
  const del = await box(page.locator('#users button.danger'));
  check(del.x >= 0 && del.right <= 360, 'phone: the users table\'s Delete button in sight (' + del.said + ')');
  const edit = await box(page.locator('#users td.actions a'));
  check(edit.x >= 0 && edit.right <= 360 && edit.h >= 24, 'phone: its Edit link in sight, a target (' + edit.said + ')');
  await page.click('#users button.danger');
  const cancel = await box(page.locator('form.danger-zone a', { hasText: 'Cancel' }));
  check(cancel.h >= 24, 'phone: Delete alice?\'s Cancel a target (' + cancel.said + ')');
  await page.click('form.danger-zone a');
  await page.waitForURL(base + '/users');
  await page.goto(base + '/');
  const hangUp = await box(page.locator('#sessions button.danger'));
  check(hangUp.x >= 0 && hangUp.right <= 360, 'phone: the sessions table\'s Disconnect button in sight (' + hangUp.said + ')');
  await page.click('#sessions button.danger');
  const keep = await box(page.locator('form.danger-zone a', { hasText: 'Keep it connected' }));
  check(keep.h >= 24, 'phone: Keep it connected a target (' + keep.said + ')');
  await page.goto(base + '/system');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  check(wide <= 360, 'phone: the System page no wider than the screen (' + wide + ' px; the fingerprint wraps)');
  await page.setViewportSize({ width: 1280, height: 900 });

  // 5e. A save that would disconnect alice asks first: the question has the focus and the title says
  // nothing was saved; its safe choice is a target. The header's Log out button outlined at 3:1 or more.
  await page.goto(base + '/vpn');
  await page.fill('#port', '1724');
  await page.click('form[action="/vpn"] button[type=submit]:not([name])');
  await page.waitForSelector('#disconnect-warning');
  check(await page.evaluate(() => document.activeElement.id === 'disconnect-warning')
    && (await page.title()).startsWith('Not saved: '), 'the question whether to disconnect has the focus, the title says not saved');
  const leave = await box(page.locator('#disconnect-warning a'));
  check(leave.h >= 24, 'Leave the settings as they are: a target (' + leave.said + ')');
  await page.click('#disconnect-warning a');
  await page.waitForURL(base + '/vpn');
  const logout = await page.evaluate(() => {
    const s = getComputedStyle(document.querySelector('header .logout button'));
    return { style: s.borderTopStyle, width: s.borderTopWidth, color: s.borderTopColor,
      header: getComputedStyle(document.querySelector('header')).backgroundColor };
  });
  const edge = contrast(logout.color, logout.header);
  check(logout.style === 'solid' && parseFloat(logout.width) >= 1 && edge >= 3,
    'the Log out button\'s border ' + edge.toFixed(2) + ':1 against the header (' + JSON.stringify(logout) + ')');

  // 5b. The import's file picker: an export read into the text area, byte-order mark and all; a
  // file an editor saved as UTF-16 refused with why, not passed on as garbage.
  await page.click('nav a[href="/system"]');
  // The click returns before the System page has loaded and its script has shown the picker: wait
  // for both (isVisible does not wait; on a busy machine it asked the VPN page still there).
  await page.waitForURL(base + '/system');
  check(await page.locator('#config-file').waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false),
    'the file picker is shown (hidden without JavaScript)');
  const exported = '{"format": "homerouter-config", "version": 1, "settings": {}, "users": []}\n';
  await page.setInputFiles('#config-file', { name: 'backup.json', mimeType: 'application/json',
    buffer: Buffer.concat([Buffer.from([0xEF, 0xBB, 0xBF]), Buffer.from(exported, 'utf8')]) });
  await page.waitForFunction(() => document.getElementById('config').value.length > 0);
  check(await page.inputValue('#config') === exported, 'a chosen export fills the text area as it is');
  check((await page.textContent('#config-file-read')).includes('Read backup.json into the box below')
    && await page.getAttribute('#config-file-read', 'role') === 'status',
    'reading the file is said where a screen reader announces it');
  await page.fill('#config', '');
  await page.setInputFiles('#config-file', { name: 'backup-utf16.json', mimeType: 'application/json',
    buffer: Buffer.concat([Buffer.from([0xFF, 0xFE]), Buffer.from(exported, 'utf16le')]) });
  await page.waitForFunction(() => document.getElementById('config-file-error').textContent.length > 0);
  check((await page.textContent('#config-file-error')).includes('UTF-16') && await page.inputValue('#config') === ''
    && (await page.textContent('#config-file-read')) === '',
    'a UTF-16 file is refused with why, the text area left empty');
  // 5c. The idle warning: 25 minutes into a page (its clock run on, a tab of its own), a banner and an
  // alert say the logout comes in 5 minutes; the focus stays in the field being typed in; "Stay logged
  // in" is activity and the banner goes.
  const idle = await context.newPage();
  idle.on('pageerror', e => problems.push('page error: ' + e.message));
  await idle.clock.install();
  await idle.goto(base + '/vpn');
  await idle.focus('#port');
  check(await idle.isHidden('#idle-warning'), 'no idle warning on arrival');
  await idle.clock.fastForward('25:01');
  await idle.waitForSelector('#idle-warning', { state: 'visible' });
  check((await idle.textContent('#idle-said')).includes('logged out in 5 minutes')
    && await idle.evaluate(() => document.activeElement.id) === 'port',
    'after 25 idle minutes the warning is shown and announced, the focus left in the field');
  const kept = idle.waitForResponse(r => r.url().endsWith('/api/keepalive') && r.status() === 200);
  await idle.click('#idle-stay');
  await kept;
  await idle.waitForSelector('#idle-warning', { state: 'hidden' });
  check(true, '"Stay logged in" reaches the router and the warning goes');
  await idle.close();
  // The export's download is named for the owner's own day (a submit event the script hears; the
  // form itself is not sent).
  const day = await page.evaluate(() => {
    const f = document.getElementById('export-local-date').form;
    f.dispatchEvent(new Event('submit', { cancelable: true }));
    return { sent: document.getElementById('export-local-date').value,
      here: new Date().toLocaleDateString('sv-SE') };
  });
  check(/^\d{4}-\d{2}-\d{2}$/.test(day.sent) && day.sent === day.here,
    'the export form carries the browser\'s own day (' + JSON.stringify(day) + ')');

  // 6. HTTPS switched on over plain HTTP: the browser goes on to the HTTPS port (where the admin,
  // whose login crossed the network in clear, logs in again), and back to plain HTTP once it is
  // switched off there. Each crosses to another origin in answer to a form.
  const secure = new URL(base);
  secure.protocol = 'https:';
  secure.port = httpsPort;
  await page.click('nav a[href="/system"]');
  await page.check('form[action="/system/https"] input[name=enabled]');
  await page.fill('#https_port', httpsPort);
  await page.click('form[action="/system/https"] button[type=submit]');
  await page.waitForURL(secure.origin + '/login', { timeout: 15000 }).catch(() => {});
  check(page.url() === secure.origin + '/login', 'HTTPS on: the browser follows to ' + secure.origin
    + '/login (it is at ' + page.url() + '; ' + problems.join(' | ') + ')');
  await page.fill('#password', ADMIN);
  await page.click('button[type=submit]');
  await page.waitForURL(secure.origin + '/');
  check(true, 'logged in again over HTTPS');
  await page.click('nav a[href="/system"]');
  await page.uncheck('form[action="/system/https"] input[name=enabled]');
  await page.click('form[action="/system/https"] button[type=submit]');
  await page.waitForURL(base + '/system', { timeout: 15000 }).catch(() => {});
  check(page.url() === base + '/system', 'HTTPS off: the browser follows back to ' + base
    + '/system (it is at ' + page.url() + '; ' + problems.join(' | ') + ')');
  check((await page.textContent('.flash')).includes('HTTPS is off.'), 'still logged in over plain HTTP, told HTTPS is off');
  check(problems.length === 0, 'no CSP violations or page errors (' + problems.join(' | ') + ')');
} catch (e) {
  console.log('FAILED ' + e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
process.exit();
