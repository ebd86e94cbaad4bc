// Reads a chosen configuration file into the import form's text area (no upload of its own).
(function () {
  var file = document.getElementById('config-file');
  var text = document.getElementById('config');
  if (!file || !text) { return; }
  file.addEventListener('change', function () {
    if (file.files.length === 0) { return; }
    file.files[0].text().then(function (t) { text.value = t; });
  });
}());
