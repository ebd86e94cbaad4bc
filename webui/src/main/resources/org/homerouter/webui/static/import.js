// The export's file is named for this day where the owner is: the router's day is UTC's.
(function () {
  var day = document.getElementById('export-local-date');
  if (!day) { return; }
  day.form.addEventListener('submit', function () {
    var now = new Date();
    function two(n) { return (n < 10 ? '0' : '') + n; }
    day.value = now.getFullYear() + '-' + two(now.getMonth() + 1) + '-' + two(now.getDate());
  });
})();

// Reads a chosen configuration file into the import form's text area (no upload of its own). The
// picker is hidden until this runs: without JavaScript it would do nothing, and pasting still works.
(function () {
  var pick = document.getElementById('config-file-pick');
  var file = document.getElementById('config-file');
  var text = document.getElementById('config');
  var note = document.getElementById('config-file-error');
  var read = document.getElementById('config-file-read');
  if (!pick || !file || !text || !note || !read) { return; }
  pick.hidden = false;
  // Both live regions are in the page from the start, empty: a screen reader announces what is
  // written into them, not always an alert that was hidden until then, and never a text area filled.
  function refuse(why) {
    read.textContent = '';
    note.textContent = why;
  }
  file.addEventListener('change', function () {
    note.textContent = '';
    read.textContent = '';
    if (file.files.length === 0) { return; }
    var name = file.files[0].name;
    file.files[0].arrayBuffer().then(function (buffer) {
      var b = new Uint8Array(buffer);
      // An export is UTF-8. Read as UTF-8, a file an editor saved as UTF-16 came out as garbage
      // and the router answered "JSON error at character 1".
      if (b.length >= 2 && ((b[0] === 0xFF && b[1] === 0xFE) || (b[0] === 0xFE && b[1] === 0xFF))) {
        refuse('That file is UTF-16 text: save it as UTF-8 (as this router exports) and choose it again.');
        return;
      }
      try {
        text.value = new TextDecoder('utf-8', { fatal: true }).decode(b); // drops a UTF-8 byte-order mark
        read.textContent = 'Read ' + name + ' into the box below: tick the box under it and import it.';
      } catch (e) {
        refuse('That file is not UTF-8 text, so not a configuration exported by this router: choose the exported file.');
      }
    });
  });
}());
