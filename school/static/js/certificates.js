// Certificates: follow a background batch's progress on the event pages, then reload.
(function () {
  "use strict";
  document.querySelectorAll(".cert-batch[data-active='1']").forEach(function (box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("progress");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { return; }
          box.querySelector(".cert-batch-label").textContent = s.label;
          box.querySelector(".cert-batch-done").textContent = s.done;
          box.querySelector(".cert-batch-total").textContent = s.total;
          bar.max = s.total || 1;
          bar.value = s.done;
          if (s.active) { window.setTimeout(poll, 2000); } else { window.location.reload(); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1500);
  });
})();
