// Live contribution preview on the project form: asks the public calculator endpoint
// (/api/v1/contribution) as the value, PPN and dates change. No inline script (CSP).
(function () {
  "use strict";
  var box = document.getElementById("contribution-preview");
  if (!box) { return; }
  var form = box.closest("form");
  var lang = document.documentElement.lang || "id";
  var money = new Intl.NumberFormat(lang === "en" ? "en-US" : "id-ID", { maximumFractionDigits: 0 });
  var dates = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { day: "numeric", month: "long", year: "numeric" });
  var timer = null;
  var latest = 0;

  function field(name) { return form.querySelector('[data-contribution="' + name + '"]'); }
  function part(name) { return box.querySelector('[data-preview="' + name + '"]'); }
  function out(name, text) { box.querySelector('[data-out="' + name + '"]').textContent = text; }
  function rupiah(value) { return "Rp" + money.format(value); }

  function show(state) {
    ["empty", "result", "slices", "error"].forEach(function (name) {
      part(name).hidden = state.indexOf(name) < 0;
    });
  }

  function render(body) {
    out("base_value", rupiah(body.base_value));
    out("jkk", rupiah(body.jkk));
    out("jkm", rupiah(body.jkm));
    out("total", rupiah(body.total));
    out("registration_due_on", body.registration_due_on ? dates.format(new Date(body.registration_due_on + "T00:00:00")) : "–");
    var rows = part("slices").querySelector("tbody");
    rows.textContent = "";
    body.slices.forEach(function (slice) {
      var tr = document.createElement("tr");
      var range = rupiah(slice.lower) + " – " + (slice.upper === null ? "…" : rupiah(slice.upper));
      [range, slice.jkk_rate + "% + " + slice.jkm_rate + "%", rupiah(slice.amount)].forEach(function (text, i) {
        var td = document.createElement("td");
        td.textContent = text;
        if (i === 2) { td.className = "num"; }
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    show(["result", "slices"]);
  }

  function update() {
    var value = field("contract_value").value.trim();
    if (!value) { show(["empty"]); return; }
    var params = new URLSearchParams({ contract_value: value, includes_ppn: field("includes_ppn").checked ? "true" : "false" });
    var rate = field("ppn_rate").value.trim();
    if (rate) { params.set("ppn_rate", rate.replace(",", ".")); }
    ["spk_date", "start_date"].forEach(function (name) {
      var input = field(name);
      if (input && input.value) { params.set(name, input.value); }
    });
    var ticket = ++latest;
    fetch(box.dataset.url + "?" + params.toString(), { headers: { "Accept": "application/json", "Accept-Language": lang } })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (answer) {
        if (ticket !== latest) { return; }  // an older answer arriving late
        if (answer.ok) { render(answer.body); return; }
        var fields = (answer.body.error && answer.body.error.fields) || {};
        var first = Object.keys(fields)[0];
        part("error").textContent = first ? fields[first].join(" ") : (answer.body.error && answer.body.error.message) || "";
        show(["error"]);
      })
      .catch(function () { /* offline: the server computes it again on save */ });
  }

  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 250); });
  form.addEventListener("change", update);
  update();
})();
