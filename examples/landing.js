/* The example page's stand-in for its analytics: a dataLayer (as Google Tag Manager
   creates) and a visible log of the conversions the embedded forms report. */
window.dataLayer = window.dataLayer || [];
document.addEventListener("leadform:submitted", function (event) {
  var log = document.getElementById("conversions");
  if (!log) return;
  var host = event.target.closest("[data-example-slot]");
  var item = document.createElement("li");
  item.textContent = [
    host ? host.getAttribute("data-example-slot") : "?",
    event.detail.treatment,
    event.detail.locale,
    event.detail.reference,
  ].join(" · ");
  log.appendChild(item);
});
