/* leadform embed: one <script> tag puts the registration form in an iframe.
 *
 *   <script src="https://FORM-HOST/embed.js" data-treatment="milia" async></script>
 *
 * data-locale   language (zh-hant-hk, en, ...); default: <html lang>, then the browser's
 * data-treatment  acne | milia, preselected
 * data-target   id of the element to put the form in; default: where the tag stands
 * data-accent   accent colour (#0f766e, teal)
 * data-title    the iframe's accessible name until the form reports its own
 *
 * The iframe is sized to the form (postMessage from the form's origin and this
 * iframe only). On success the iframe fires a bubbling "leadform:submitted" event
 * (detail: treatment, locale, reference) and pushes {event: "leadform_submitted",
 * ...} to window.dataLayer when it exists. No dependencies, no globals.
 */
(function () {
  "use strict";
  var MIN_HEIGHT = 120;
  var MAX_HEIGHT = 10000;
  var URL_MAX = 2048;
  var CARRIED = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
    "gclid", "fbclid"];

  function scriptTag() {
    if (document.currentScript) return document.currentScript;
    // Very old browsers: the first embed tag not yet handled.
    var tags = document.querySelectorAll("script[src$='/embed.js']:not([data-leadform-done])");
    return tags.length ? tags[0] : null;
  }

  function frameUrl(origin, data) {
    var params = new URLSearchParams();
    params.set("embed", "1");
    var locales = [data.locale, document.documentElement.lang].filter(Boolean);
    if (locales.length) params.set("locale", locales.join(","));
    if (data.treatment) params.set("treatment", data.treatment);
    if (data.accent) params.set("accent", data.accent);
    var page = new URLSearchParams(window.location.search);
    CARRIED.forEach(function (name) {
      var value = page.get(name);
      if (value) params.set(name, value);
    });
    params.set("page_url", window.location.href.split("#")[0].slice(0, URL_MAX));
    params.set("referrer", document.referrer.slice(0, URL_MAX));
    return origin + "/?" + params.toString();
  }

  function place(script, iframe, targetId) {
    var target = targetId && document.getElementById(targetId.replace(/^#/, ""));
    if (target) {
      target.appendChild(iframe);
    } else if (targetId && document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { place(script, iframe, targetId); });
    } else if (script.parentNode && script.parentNode !== document.head) {
      script.parentNode.insertBefore(iframe, script.nextSibling);
    } else if (document.body) {
      document.body.appendChild(iframe);
    } else {
      document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(iframe); });
    }
  }

  function announce(iframe, result, reported) {
    if (reported[result.reference]) return; // a reload of the thank-you page
    reported[result.reference] = true;
    var detail = { treatment: result.treatment, locale: result.locale, reference: result.reference };
    iframe.dispatchEvent(new CustomEvent("leadform:submitted", { bubbles: true, detail: detail }));
    if (Array.isArray(window.dataLayer)) {
      window.dataLayer.push({ event: "leadform_submitted", treatment: detail.treatment,
        locale: detail.locale, reference: detail.reference });
    }
  }

  function embed(script) {
    script.setAttribute("data-leadform-done", "");
    var origin = new URL(script.src, window.location.href).origin;
    var data = script.dataset;
    var iframe = document.createElement("iframe");
    iframe.src = frameUrl(origin, data);
    iframe.title = data.title || "Registration form";
    iframe.className = "leadform-frame";
    iframe.setAttribute("scrolling", "no");
    iframe.style.cssText = "display:block;width:100%;border:0;overflow:hidden;height:640px";
    var loads = 0;
    var reported = {};

    iframe.addEventListener("load", function () {
      loads += 1;
      // Every page of the form (after each submit) is a new document: greet it.
      iframe.contentWindow.postMessage({ type: "leadform:hello" }, origin);
      if (loads > 1 && iframe.getBoundingClientRect().top < 0) iframe.scrollIntoView();
    });

    window.addEventListener("message", function (event) {
      if (event.origin !== origin || event.source !== iframe.contentWindow) return;
      var message = event.data || {};
      if (message.type === "leadform:resize") {
        var height = Math.round(Number(message.height));
        if (!isFinite(height)) return;
        height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, height));
        iframe.style.height = height + "px";
        if (typeof message.title === "string" && message.title) {
          iframe.title = message.title.slice(0, 200);
        }
      } else if (message.type === "leadform:submitted" && typeof message.reference === "string") {
        announce(iframe, message, reported);
      }
    });

    place(script, iframe, data.target);
  }

  var script = scriptTag();
  if (script && !script.hasAttribute("data-leadform-done")) embed(script);
})();
