// The crash-report dialog that `Sentry.showReportDialog()` loads into a customer's page.
// events/embed_views.py serves this function called with its options: the texts to show and
// the URL to post to. It builds the dialog with DOM methods only (every text goes in through
// textContent or value, never as markup), so nothing a caller passes can become HTML, and it
// sets styles through the CSSOM, which a page's Content-Security-Policy on inline styles allows.
(function (options) {
  "use strict";
  var doc = window.document;
  var CLOSED_MESSAGE = "__sentry_reportdialog_closed__";
  var inputs = {};

  function element(tag, style, text) {
    var node = doc.createElement(tag);
    if (style) {
      for (var key in style) node.style[key] = style[key];
    }
    if (text) node.textContent = text;
    return node;
  }

  function field(label, name, value, multiline) {
    var wrapper = element("label", { display: "block", margin: "0 0 12px" });
    wrapper.appendChild(element("span", { display: "block", fontWeight: "600" }, label));
    var input = element(multiline ? "textarea" : "input", {
      display: "block", width: "100%", boxSizing: "border-box", padding: "6px",
      font: "inherit", border: "1px solid #999", borderRadius: "3px",
    });
    input.name = name;
    if (multiline) input.rows = 5;
    else input.type = name === "email" ? "email" : "text";
    input.value = value || "";
    wrapper.appendChild(input);
    inputs[name] = input;
    return wrapper;
  }

  var backdrop = element("div", {
    position: "fixed", top: "0", left: "0", right: "0", bottom: "0", zIndex: "2147483647",
    background: "rgba(0,0,0,0.45)", display: "flex", alignItems: "center",
    justifyContent: "center", font: "14px/1.4 system-ui, sans-serif", color: "#222",
  });
  backdrop.className = "bugsink-report-dialog";
  var dialog = element("div", {
    background: "#fff", padding: "20px", borderRadius: "6px", width: "min(480px, 92vw)",
    maxHeight: "92vh", overflow: "auto", boxShadow: "0 4px 24px rgba(0,0,0,0.3)",
  });
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-modal", "true");
  dialog.setAttribute("aria-label", options.title);
  backdrop.appendChild(dialog);

  dialog.appendChild(element("h2", { margin: "0 0 8px", fontSize: "20px" }, options.title));
  if (options.subtitle) dialog.appendChild(element("p", { margin: "0 0 4px" }, options.subtitle));
  if (options.subtitle2) dialog.appendChild(element("p", { margin: "0 0 12px" }, options.subtitle2));

  var form = element("form", { margin: "12px 0 0" });
  form.appendChild(field(options.labelName, "name", options.name, false));
  form.appendChild(field(options.labelEmail, "email", options.email, false));
  form.appendChild(field(options.labelComments, "comments", "", true));
  var status = element("p", { color: "#b00020", margin: "0 0 12px", minHeight: "1em" });
  status.setAttribute("role", "status");
  form.appendChild(status);
  var buttons = element("div", { display: "flex", justifyContent: "flex-end", gap: "8px" });
  var close = element("button", { padding: "6px 14px" }, options.labelClose);
  close.type = "button";
  var submit = element("button", { padding: "6px 14px", fontWeight: "600" }, options.labelSubmit);
  submit.type = "submit";
  buttons.appendChild(close);
  buttons.appendChild(submit);
  form.appendChild(buttons);
  dialog.appendChild(form);

  function closeDialog() {
    if (backdrop.parentNode) backdrop.parentNode.removeChild(backdrop);
    window.postMessage(CLOSED_MESSAGE, "*");
  }

  close.addEventListener("click", closeDialog);
  backdrop.addEventListener("click", function (event) {
    if (event.target === backdrop) closeDialog();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!inputs.comments.value.trim()) {
      status.textContent = options.errorFormEntry;
      return;
    }
    submit.disabled = true;
    status.textContent = "";
    // A form-encoded POST without credentials is a "simple" cross-origin request: no preflight.
    var body = new URLSearchParams();
    for (var name in inputs) body.append(name, inputs[name].value);
    fetch(options.endpoint, { method: "POST", body: body, credentials: "omit" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw data;
          while (dialog.firstChild) dialog.removeChild(dialog.firstChild);
          var done = element("p", { margin: "0 0 12px" }, options.successMessage);
          done.className = "bugsink-report-dialog-success";
          done.setAttribute("role", "status");
          dialog.appendChild(done);
          var ok = element("button", { padding: "6px 14px" }, options.labelClose);
          ok.type = "button";
          ok.addEventListener("click", closeDialog);
          dialog.appendChild(ok);
        });
      })
      .catch(function (error) {
        submit.disabled = false;
        var errors = error && error.errors;
        status.textContent = errors ? options.errorFormEntry : options.errorGeneric;
      });
  });

  function show() {
    doc.body.appendChild(backdrop);
    inputs.comments.focus();
  }
  if (doc.body) show();
  else doc.addEventListener("DOMContentLoaded", show);
})
