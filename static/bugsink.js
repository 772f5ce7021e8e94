// Progressive enhancement only: every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // "All" checkbox on the issue list selects every row of the page.
  for (const box of document.querySelectorAll("input.select-all")) {
    box.addEventListener("change", () => {
      for (const row of box.form.querySelectorAll('input[name="issue"]')) row.checked = box.checked;
    });
  }
  // Selectors that filter (the environment) apply as soon as they change.
  for (const select of document.querySelectorAll("select.autosubmit")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // Destructive forms ask first (without JavaScript they simply submit).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
});
