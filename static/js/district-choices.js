// The project form's kecamatan list follows the kab/kota chosen: when it changes (or a browser
// restores a changed kab/kota on reload or Back), the list is read from
// /api/v1/regions/<code>/districts. Without script, the list is that of the kab/kota the page
// was opened with (or posted). No inline script (CSP).
(function () {
  "use strict";
  document.querySelectorAll("select[data-districts-of]").forEach(function (districts) {
    var regency = districts.form.querySelector('[name="' + districts.dataset.districtsOf + '"]');
    if (!regency) { return; }
    var empty = districts.querySelector('option[value=""]');
    var problem = document.createElement("small");
    problem.className = "errors";
    problem.hidden = true;
    problem.textContent = districts.dataset.districtsError || "";
    districts.after(problem);
    var latest = 0;

    function fill(list, code) {
      districts.replaceChildren(empty);
      list.forEach(function (district) {
        districts.add(new Option(district.name, district.code));
      });
      districts.value = "";
      districts.dataset.districtsFor = code;
      districts.removeAttribute("aria-busy");
    }

    function follow() {
      var code = regency.value;
      var asked = ++latest;
      problem.hidden = true;
      if (!code) { fill([], ""); return; }
      districts.setAttribute("aria-busy", "true");
      var url = districts.dataset.districtsUrl.replace("CODE", encodeURIComponent(code));
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (list) { if (asked === latest) { fill(list, code); } })
        .catch(function () {
          if (asked === latest) { fill([], ""); problem.hidden = false; }
        });
    }

    function followIfStale() {
      if (regency.value !== (districts.dataset.districtsFor || "")) { follow(); }
    }

    regency.addEventListener("change", follow);
    window.addEventListener("pageshow", followIfStale);
    followIfStale();
  });
})();
