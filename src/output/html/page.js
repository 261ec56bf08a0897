(function () {
  var table = document.getElementById('findings'), body = table.tBodies[0], head = table.tHead.rows[0];
  var rows = Array.prototype.slice.call(body.rows), q = document.getElementById('f-q');
  var data = JSON.parse(document.getElementById('page-data').textContent);
  var pick = { reason: document.getElementById('f-reason'), owner: document.getElementById('f-owner'), collection: document.getElementById('f-collection') };
  Object.keys(pick).forEach(function (k) { data[k + 's'].forEach(function (v) { pick[k].add(new Option(v, v)); }); });
  function filter() {
    var text = q.value.toLowerCase(), n = 0;
    rows.forEach(function (tr) {
      var d = tr.dataset, show = (!pick.reason.value || d.reasons.split(' ').indexOf(pick.reason.value) >= 0) &&
        (!pick.owner.value || d.owner === pick.owner.value) && (!pick.collection.value || d.collection === pick.collection.value) &&
        (!text || tr.textContent.toLowerCase().indexOf(text) >= 0);
      tr.hidden = !show; n += show ? 1 : 0;
    });
    document.getElementById('shown').textContent = n;
  }
  function value(tr, col, numeric) {
    var c = tr.cells[col];
    return numeric ? (c.dataset.v === '' ? null : Number(c.dataset.v)) : c.textContent.toLowerCase();
  }
  function sort(col, dir) {
    var numeric = head.cells[col].dataset.type === 'number';
    rows.sort(function (a, b) {
      var x = value(a, col, numeric), y = value(b, col, numeric);
      return x === y ? 0 : x === null ? 1 : y === null ? -1 : (x < y ? -dir : dir);
    });
    rows.forEach(function (tr) { body.appendChild(tr); });
    Array.prototype.forEach.call(head.cells, function (c, i) { c.setAttribute('aria-sort', i !== col ? 'none' : dir > 0 ? 'ascending' : 'descending'); });
  }
  head.addEventListener('click', function (e) {
    var th = e.target.closest('th');
    if (th) sort(th.cellIndex, th.getAttribute('aria-sort') === 'descending' ? 1 : -1);
  });
  Object.keys(pick).forEach(function (k) { pick[k].addEventListener('change', filter); });
  q.addEventListener('input', filter);
  var hash = new URLSearchParams(location.hash.slice(1));
  Object.keys(pick).forEach(function (k) { if (hash.get(k)) pick[k].value = hash.get(k); });
  q.value = hash.get('q') || '';
  var by = Array.prototype.findIndex.call(head.cells, function (c) { return c.dataset.key === hash.get('sort'); });
  if (by >= 0) sort(by, hash.get('dir') === 'asc' ? 1 : -1);
  filter();
  document.body.setAttribute('data-ready', 'yes');
})();
