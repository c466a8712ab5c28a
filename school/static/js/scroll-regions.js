// Tables wider than the screen scroll sideways inside .table-responsive; a keyboard user can
// scroll such a region only if it can take focus (WCAG 2.1.1), so it gets one while it
// overflows, named after its table's caption when there is one.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-responsive, [data-scroll-region]").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
        el.setAttribute("tabindex", "0");
        const caption = el.querySelector("caption");
        if (caption && !el.hasAttribute("aria-label")) {
          el.setAttribute("aria-label", caption.textContent.trim());
        }
      } else if (el.getAttribute("tabindex") === "0") {
        el.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
})();
