// The project page's folded sections (findings timeline, change history) are read from the
// project's history page when first opened, one request for both. Without script, each section
// holds a link to that page. No inline script (CSP).
(function () {
  "use strict";
  var pages = {};

  function fetchPage(url) {
    if (!pages[url]) {
      pages[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "text/html", "X-Pantau-Part": "1" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.text();
        })
        .then(function (html) { return new DOMParser().parseFromString(html, "text/html"); })
        .catch(function (error) { delete pages[url]; throw error; });
    }
    return pages[url];
  }

  function load(section) {
    var selector = '[data-part="' + section.dataset.part + '"]';
    var target = section.querySelector(selector);
    section.setAttribute("aria-busy", "true");
    fetchPage(section.dataset.load)
      .then(function (page) {
        var part = page.querySelector(selector);
        if (!part) { throw new Error("missing part"); }
        target.replaceWith(document.importNode(part, true));
        section.dataset.loaded = "true";
      })
      .catch(function () { /* the link to the history page stays */ })
      .finally(function () { section.removeAttribute("aria-busy"); });
  }

  document.querySelectorAll("details[data-load]").forEach(function (section) {
    section.addEventListener("toggle", function () {
      if (section.open && !section.dataset.loaded && !section.hasAttribute("aria-busy")) {
        load(section);
      }
    });
  });
})();
