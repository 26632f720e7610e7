/* leadform, inside the frame: tells the embedding page (embed.js) how tall the form
   is and when a registration succeeded. It answers only its own parent window, and
   only once that window has said hello: the hello's origin is where messages go, so
   nothing is ever sent to "*". Who may frame us at all is the server's CSP
   frame-ancestors. */
(function () {
  "use strict";
  var parent = window.parent;
  if (!parent || parent === window) return;
  var root = document.documentElement;
  var parentOrigin = null;

  function post(message) {
    if (parentOrigin) parent.postMessage(message, parentOrigin);
  }

  function height() {
    var main = document.getElementById("main") || document.body;
    return Math.ceil(main.getBoundingClientRect().bottom + window.scrollY);
  }

  function reportSize() {
    post({ type: "leadform:resize", height: height(), title: document.title });
  }

  function submitted() {
    var block = document.getElementById("leadform-submitted");
    if (!block) return null;
    try {
      return JSON.parse(block.textContent);
    } catch (e) {
      return null;
    }
  }

  window.addEventListener("message", function (event) {
    if (event.source !== parent || event.origin === "null") return;
    if (!event.data || event.data.type !== "leadform:hello") return;
    parentOrigin = event.origin;
    root.classList.add("embed-sized");
    reportSize();
    var result = submitted();
    if (result) {
      post({
        type: "leadform:submitted",
        treatment: String(result.treatment),
        locale: String(result.locale),
        reference: String(result.reference),
      });
    }
  });

  function watch() {
    if (window.ResizeObserver) {
      new ResizeObserver(reportSize).observe(document.getElementById("main") || document.body);
    } else {
      window.addEventListener("resize", reportSize);
    }
    // Web fonts or late layout: one more measurement once everything has loaded.
    window.addEventListener("load", reportSize);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
