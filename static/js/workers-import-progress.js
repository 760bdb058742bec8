// Progress bar of a worker import: polls the JSON status URL and reloads the page when the
// import has finished. Without JavaScript the page shows a refresh link instead.
(function () {
  "use strict";
  var box = document.querySelector(".import-progress[data-status-url]");
  if (!box) {
    return;
  }
  var bar = box.querySelector("progress");
  var text = box.querySelector(".progress-text");
  var url = box.getAttribute("data-status-url");
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (data.status !== "queued") {
          window.location.assign(data.url);
          return;
        }
        bar.value = data.percent;
        bar.textContent = data.percent + "%";
        if (text) {
          text.querySelector(".done").textContent = format.format(data.done);
          text.querySelector(".total").textContent = format.format(data.total);
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1000);
})();
