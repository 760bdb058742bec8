// The project form's kecamatan list follows the kab/kota chosen: when it changes, the list is
// read from /api/v1/regions/<code>/districts. Without script, the list is that of the kab/kota
// the page was opened with (or posted). No inline script (CSP).
(function () {
  "use strict";
  document.querySelectorAll("select[data-districts-of]").forEach(function (districts) {
    var regency = districts.form.querySelector('[name="' + districts.dataset.districtsOf + '"]');
    if (!regency) { return; }
    var empty = districts.querySelector('option[value=""]');
    var latest = 0;

    function fill(list) {
      districts.replaceChildren(empty);
      list.forEach(function (district) {
        districts.add(new Option(district.name, district.code));
      });
      districts.value = "";
    }

    regency.addEventListener("change", function () {
      var asked = ++latest;
      if (!regency.value) { fill([]); return; }
      districts.setAttribute("aria-busy", "true");
      var url = districts.dataset.districtsUrl.replace("CODE", encodeURIComponent(regency.value));
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (list) { if (asked === latest) { fill(list); } })
        .catch(function () { if (asked === latest) { fill([]); } })
        .finally(function () { if (asked === latest) { districts.removeAttribute("aria-busy"); } });
    });
  });
})();
