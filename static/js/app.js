// Small progressive enhancements of the dashboard. Every page works without them.
(function () {
  "use strict";

  // Forms marked js-autosubmit submit when one of their fields changes (e.g. page size).
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.classList.contains("js-autosubmit")) {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });

  // On narrow screens the navigation is a row that scrolls sideways: show the current page's
  // link in it rather than the first ones.
  document.addEventListener("DOMContentLoaded", function () {
    var nav = document.querySelector(".nav");
    var current = nav && nav.querySelector('a[aria-current="page"]');
    if (!current || nav.scrollWidth <= nav.clientWidth) return;
    var offset = current.getBoundingClientRect().left - nav.getBoundingClientRect().left;
    var left = nav.scrollLeft + offset - (nav.clientWidth - current.offsetWidth) / 2;
    nav.scrollLeft = Math.max(0, left);
  });

  // Buttons and forms with data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var question = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // --- row selection on list pages -----------------------------------------------------------

  function selection(root) {
    return {
      rows: root.querySelectorAll("input.js-row-check"),
      pageToggle: root.querySelector("input.js-page-check"),
      allMatching: document.getElementById("all-matching"),
      banner: root.querySelector(".js-select-all-banner"),
      count: document.querySelector(".js-selected-count"),
    };
  }

  function refresh(root) {
    var s = selection(root);
    var checked = 0;
    s.rows.forEach(function (box) {
      if (box.checked) checked += 1;
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked || (s.allMatching && s.allMatching.checked));
    });
    var everyRow = s.rows.length > 0 && checked === s.rows.length;
    if (s.pageToggle) {
      s.pageToggle.checked = everyRow;
      s.pageToggle.indeterminate = checked > 0 && !everyRow;
    }
    var total = root.dataset.totalCount ? parseInt(root.dataset.totalCount, 10) : 0;
    if (s.banner) {
      s.banner.hidden = !(everyRow && total > s.rows.length);
    }
    if (s.allMatching && !everyRow && s.allMatching.checked && checked < s.rows.length) {
      s.allMatching.checked = false;
    }
    if (s.count) {
      if (s.allMatching && s.allMatching.checked) {
        s.count.textContent = "All " + (root.dataset.totalLabel || total.toLocaleString()) + " matching selected";
      } else {
        s.count.textContent = checked ? checked + " selected" : "None selected";
      }
    }
  }

  function selectionRoot(element) {
    return element.closest(".js-selection");
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var root = selectionRoot(target) || document.querySelector(".js-selection");
    if (!root) return;
    if (target.classList.contains("js-page-check")) {
      selection(root).rows.forEach(function (box) { box.checked = target.checked; });
      if (!target.checked) {
        var all = document.getElementById("all-matching");
        if (all) all.checked = false;
      }
    }
    if (target.id === "all-matching" && target.checked) {
      selection(root).rows.forEach(function (box) { box.checked = true; });
    }
    if (target.classList.contains("js-row-check") || target.classList.contains("js-page-check") || target.id === "all-matching") {
      refresh(root);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-select-all-matching");
    if (!button) return;
    event.preventDefault();
    var all = document.getElementById("all-matching");
    if (all) {
      all.checked = true;
      all.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // --- live rows: an enrichment batch's progress refreshes the outreach rows in place ----------
  // The progress answer fires "outreach-rows-changed" (an HX-Trigger header) when more of the
  // batch is done; the results block then asks for itself again. Rows checked before such a
  // refresh stay checked, so a selection in progress survives it.
  var LIVE_EVENT = "outreach-rows-changed";
  var keptSelection = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail.requestConfig;
    var trigger = config && config.triggeringEvent;
    if (!trigger || trigger.type !== LIVE_EVENT) return;
    var root = event.detail.elt;
    if (!root.classList || !root.classList.contains("js-selection")) return;
    var all = document.getElementById("all-matching");
    keptSelection = {
      ids: Array.prototype.map.call(root.querySelectorAll("input.js-row-check:checked"), function (box) {
        return box.value;
      }),
      all: Boolean(all && all.checked),
    };
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful && event.detail.elt === document.querySelector(".js-selection")) {
      keptSelection = null;
    }
  });

  function restoreSelection(root) {
    if (!keptSelection) return;
    var kept = keptSelection;
    keptSelection = null;
    root.querySelectorAll("input.js-row-check").forEach(function (box) {
      if (kept.all || kept.ids.indexOf(box.value) !== -1) box.checked = true;
    });
    var all = document.getElementById("all-matching");
    if (all && kept.all) all.checked = true;
  }

  function init(event) {
    // Other blocks (the progress bar) settle too: only the new results take the selection back.
    var settled = event && event.target;
    if (settled && settled.classList && settled.classList.contains("js-selection")) {
      restoreSelection(settled);
    }
    document.querySelectorAll(".js-selection").forEach(refresh);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();
