/* leadform: small improvements to the registration form, which works without them.
 *
 * The checks run the browser's own constraint validation (required, maxlength,
 * min, max, the date's format) and show the messages the server put on each field
 * (data-msg-value-missing, ... from rules.browser_checks), and for a closed day the
 * message the server put on the field for that very day: no rule and no wording
 * lives here. Errors are shown as the server shows them (GOV.UK pattern): a summary
 * at the top that takes focus, each message above its control.
 */
(function () {
  "use strict";

  // ValidityState flags, in the order the server checks a value.
  const FLAGS = ["valueMissing", "badInput", "typeMismatch", "tooLong", "rangeUnderflow", "rangeOverflow"];
  const TEXT_TYPES = ["text", "tel", "email", "search", "url"];
  const DRAFT_KEY = "leadform:draft";

  const form = document.querySelector("form.lead-form");
  if (!form) return;
  const fields = Array.from(form.querySelectorAll("[data-field]")).filter((f) => controls(f).length);
  const serverErrors = rememberServerErrors();
  let submitting = false;

  function controls(field) {
    return Array.from(field.querySelectorAll("input, select, textarea")).filter((c) => c.type !== "hidden");
  }

  function snapshot(field) {
    return controls(field).map((c) => c.value + (c.checked ? "+" : "-")).join("\n");
  }

  // The server's messages stay on screen until the visitor changes that field:
  // some rules (a real phone number, say) only the server can check.
  function rememberServerErrors() {
    const found = new Map();
    for (const field of fields) {
      const message = document.getElementById(field.dataset.field + "-error");
      if (message) found.set(field, { text: message.lastChild.textContent.trim(), value: snapshot(field) });
    }
    return found;
  }

  function failed(control, flag) {
    // The server trims text before checking it: blank counts as missing.
    if (flag === "valueMissing" && control.required && TEXT_TYPES.includes(control.type)) {
      return control.value.trim() === "";
    }
    return control.validity[flag];
  }

  function problem(field) {
    for (const flag of FLAGS) {
      const message = field.dataset["msg" + flag.charAt(0).toUpperCase() + flag.slice(1)];
      if (message && controls(field).some((c) => failed(c, flag))) return message;
    }
    const closed = closedDay(field);
    if (closed) return closed;
    const server = serverErrors.get(field);
    return server && server.value === snapshot(field) ? server.text : null;
  }

  // A closed day within the range: the server put its own message for each one on
  // the field (data-msg-closed-2026-12-25); the rule itself stays on the server.
  function closedDay(field) {
    const date = controls(field).find((c) => c.type === "date" && c.value && c.validity.valid);
    return (date && field.getAttribute("data-msg-closed-" + date.value)) || null;
  }

  function show(field, message) {
    const id = field.dataset.field + "-error";
    const old = document.getElementById(id);
    if (old) old.remove();
    const list = controls(field);
    const described = field.querySelector("fieldset") || list[0];
    const ids = (described.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== id);
    field.classList.toggle("field--error", Boolean(message));
    for (const c of list) {
      if (message) c.setAttribute("aria-invalid", "true");
      else c.removeAttribute("aria-invalid");
    }
    if (message) {
      const p = document.createElement("p");
      p.className = "error-message";
      p.id = id;
      const prefix = document.createElement("span");
      prefix.className = "visually-hidden";
      prefix.textContent = form.dataset.errorPrefix;
      p.append(prefix, " " + message);
      const anchor = field.querySelector(".choices, .choice, input:not([type=hidden]), select, textarea");
      anchor.parentNode.insertBefore(p, anchor);
      ids.push(id);
    }
    if (ids.length) described.setAttribute("aria-describedby", ids.join(" "));
    else described.removeAttribute("aria-describedby");
  }

  function summarise(problems) {
    let summary = document.getElementById("error-summary");
    if (!summary) {
      summary = document.createElement("div");
      summary.className = "error-summary";
      summary.id = "error-summary";
      summary.tabIndex = -1;
      summary.setAttribute("role", "alert");
      summary.setAttribute("aria-labelledby", "error-summary-title");
      const title = document.createElement("h2");
      title.id = "error-summary-title";
      title.textContent = form.dataset.summaryTitle;
      summary.append(title, document.createElement("ul"));
      form.before(summary);
    }
    const list = summary.querySelector("ul");
    list.textContent = "";
    for (const [field, message] of problems) {
      const link = document.createElement("a");
      link.href = "#" + controls(field)[0].id;
      link.textContent = message;
      const item = document.createElement("li");
      item.append(link);
      list.append(item);
    }
    const prefix = form.dataset.errorPrefix;
    if (!document.title.startsWith(prefix)) document.title = prefix + " " + document.title;
    summary.focus();
  }

  form.addEventListener("submit", (event) => {
    if (submitting) {
      event.preventDefault();
      return;
    }
    const problems = [];
    for (const field of fields) {
      const message = problem(field);
      show(field, message);
      if (message) problems.push([field, message]);
    }
    if (problems.length) {
      event.preventDefault();
      summarise(problems);
      return;
    }
    // The server stores one lead per form anyway; this spares the visitor a second wait.
    submitting = true;
    for (const button of form.querySelectorAll("button[type=submit], button:not([type])")) button.disabled = true;
  });

  // Picking a closed day says so at once, naming the day; picking an open one (or
  // changing a day the server refused) takes the message away.
  for (const field of fields) {
    const date = controls(field).find((c) => c.type === "date");
    if (!date) continue;
    date.addEventListener("change", () => {
      const shown = document.getElementById(field.dataset.field + "-error");
      const message = closedDay(field);
      if (message || shown) show(field, message || problem(field));
    });
  }

  // Back to this page from the browser's cache: let the visitor send it again.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    submitting = false;
    for (const button of form.querySelectorAll("button")) button.disabled = false;
  });

  // A summary link moves focus to its control and shows the question above it.
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    const control = link && document.getElementById(link.hash.slice(1));
    if (!control) return;
    event.preventDefault();
    const field = control.closest("[data-field]");
    const label = field && field.querySelector("legend, label");
    (label || control).scrollIntoView();
    control.focus({ preventScroll: true });
  });

  // Switching language keeps what was typed: the answers ride in this tab's
  // sessionStorage to the other page, which takes them out at once. Consent boxes
  // are left for the visitor to tick in the language they read.
  for (const link of document.querySelectorAll(".language-switch a[hreflang]")) {
    link.addEventListener("click", () => {
      const draft = {};
      for (const c of form.querySelectorAll("[data-field] input")) {
        if (c.type === "radio" ? c.checked : TEXT_TYPES.includes(c.type) || c.type === "date") {
          if (c.value) draft[c.name] = c.value;
        }
      }
      try {
        sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
      } catch (e) {
        // Storage refused (private mode, quota): the other page simply starts empty.
      }
    });
  }

  function restoreDraft() {
    let draft = null;
    try {
      draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
      sessionStorage.removeItem(DRAFT_KEY);
    } catch (e) {
      return;
    }
    if (!draft || typeof draft !== "object") return;
    for (const field of fields) {
      const list = controls(field);
      const value = draft[field.dataset.field];
      if (typeof value !== "string" || !list.length) continue;
      if (list[0].type === "radio") {
        if (!list.some((c) => c.checked)) list.filter((c) => c.value === value).forEach((c) => (c.checked = true));
      } else if (TEXT_TYPES.includes(list[0].type) || list[0].type === "date") {
        if (!list[0].value) list[0].value = value;
      }
    }
  }

  restoreDraft();
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
