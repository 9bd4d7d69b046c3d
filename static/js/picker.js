// Pickers (core/dashboard/pickers.py): a filter that keeps a record's id is typed by name.
// htmx fetches the suggestions into the listbox; this file makes them choosable with the mouse
// and the keyboard (the ARIA combobox pattern). Without it the typed name is sent as
// <field>_name and the server resolves it.
(function () {
  "use strict";

  function partsOf(picker) {
    return {
      box: picker.querySelector(".picker__input"),
      value: picker.querySelector(".picker__value"),
      list: picker.querySelector(".picker__options"),
    };
  }

  function optionsOf(p) {
    return Array.prototype.slice.call(p.list.querySelectorAll('[role="option"]'));
  }

  function activate(p, option) {
    p.box.dataset.active = option ? option.dataset.value : "";
    optionsOf(p).forEach(function (each) {
      var on = each === option;
      each.setAttribute("aria-selected", on ? "true" : "false");
      each.classList.toggle("is-active", on);
    });
    if (option) {
      p.box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      p.box.removeAttribute("aria-activedescendant");
    }
  }

  function show(p, open) {
    open = open && p.list.children.length > 0;
    p.list.hidden = !open;
    p.box.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) activate(p, null);
  }

  // The typed text goes with the form only while it is not the chosen record's name (the server
  // then looks it up); the chosen record travels as its id alone, so the URL stays short.
  function name(p) {
    var text = p.box.value.trim();
    if (text === "" || p.box.value === p.box.dataset.label) {
      p.box.removeAttribute("name");
    } else {
      p.box.setAttribute("name", p.box.dataset.name);
    }
  }

  function changed(p) {
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(p, option) {
    p.value.value = option ? option.dataset.value : "";
    p.box.value = option ? option.dataset.label : "";
    p.box.dataset.label = p.box.value;
    name(p);
    show(p, false);
    changed(p);
  }

  function move(p, step) {
    var options = optionsOf(p);
    if (!options.length) return;
    if (p.list.hidden) show(p, true);
    var current = options.indexOf(p.list.querySelector(".is-active"));
    var next = current + step;
    if (next < 0) next = options.length - 1;
    if (next >= options.length) next = 0;
    activate(p, options[next]);
  }

  function setUp(picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "true";
    var p = partsOf(picker);
    p.box.dataset.name = p.box.getAttribute("name");
    name(p);

    // Typing is not yet a change of the filter (a form that filters on change would otherwise
    // run on a half-typed name): only a chosen record or an emptied box is.
    picker.addEventListener("change", function (event) {
      if (event.target === p.box) event.stopPropagation();
    });

    p.box.addEventListener("input", function () {
      var had = p.value.value;
      p.value.value = "";
      if (p.box.value.trim() === "") {
        p.box.dataset.label = "";
        if (had) changed(p);
      }
      name(p);
    });

    p.box.addEventListener("keydown", function (event) {
      var active = p.list.querySelector(".is-active");
      var open = !p.list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        move(p, event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter" && open) {
        var options = optionsOf(p);
        var typed = p.box.value.trim().toLowerCase();
        var exact = options.filter(function (o) { return o.dataset.label.toLowerCase() === typed; });
        var pick = active || (options.length === 1 ? options[0] : exact.length === 1 ? exact[0] : null);
        if (pick) {
          event.preventDefault();
          choose(p, pick);
        }
      } else if (event.key === "Escape" && open) {
        event.preventDefault();
        show(p, false);
      } else if (event.key === "Tab") {
        show(p, false);
      }
    });

    // mousedown, not click: the box keeps its focus, so the list is not closed under the pointer.
    p.list.addEventListener("mousedown", function (event) {
      var option = event.target.closest('[role="option"]');
      if (!option) return;
      event.preventDefault();
      choose(p, option);
    });

    picker.addEventListener("focusout", function (event) {
      if (!picker.contains(event.relatedTarget)) show(p, false);
    });
  }

  function setUpAll(root) {
    (root || document).querySelectorAll("[data-picker]").forEach(setUp);
  }

  // The suggestion request asks for q=<text>, whatever the box is named at the time.
  document.addEventListener("htmx:configRequest", function (event) {
    var box = event.detail.elt;
    if (!box.classList || !box.classList.contains("picker__input")) return;
    var parameters = event.detail.parameters;
    if (box.dataset.name) delete parameters[box.dataset.name];
    parameters.q = box.value;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var picker = event.detail.target.closest && event.detail.target.closest("[data-picker]");
    if (!picker) return;
    var p = partsOf(picker);
    var was = p.box.dataset.active;
    show(p, document.activeElement === p.box);
    // Newer suggestions replaced the list: the option the keyboard was on stays chosen.
    var again = optionsOf(p).filter(function (o) { return o.dataset.value === was; })[0];
    if (again && !p.list.hidden) activate(p, again);
  });

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:load", function (event) { setUpAll(event.detail.elt); });
})();
