// Keyword chips on the Results page. Without scripts the field is a plain comma-separated
// text box; with them each keyword is a chip with a remove button, and a hidden field
// sends the same comma-separated value, so the server sees one format either way.
(function () {
  "use strict";

  const entry = document.querySelector("input[data-chips]");
  if (!entry) {
    return;
  }
  const form = entry.form;
  const hidden = document.createElement("input");
  hidden.type = "hidden";
  hidden.name = entry.name;
  hidden.id = "keywords-value";
  entry.removeAttribute("name");
  const list = document.createElement("ul");
  list.className = "chip-list";
  list.setAttribute("aria-label", "Chosen keywords");
  const wrapper = document.createElement("div");
  wrapper.className = "chips";
  entry.parentNode.insertBefore(wrapper, entry);
  wrapper.append(list, entry);
  form.append(hidden);
  entry.placeholder = "Add a keyword";

  function split(text) {
    return text
      .split(",")
      .map(function (part) {
        return part.trim().replace(/\s+/g, " ");
      })
      .filter(Boolean);
  }

  let keywords = [];

  function render() {
    list.replaceChildren(
      ...keywords.map(function (keyword, index) {
        const item = document.createElement("li");
        item.className = "chip";
        const text = document.createElement("span");
        text.textContent = keyword;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove keyword " + keyword);
        remove.addEventListener("click", function () {
          keywords.splice(index, 1);
          render();
          entry.focus();
        });
        item.append(text, remove);
        return item;
      }),
    );
    hidden.value = keywords.join(", ");
  }

  function add(text) {
    for (const keyword of split(text)) {
      const known = keywords.some(function (existing) {
        return existing.toLowerCase() === keyword.toLowerCase();
      });
      if (!known) {
        keywords.push(keyword);
      }
    }
    render();
  }

  entry.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === ",") && entry.value.trim()) {
      event.preventDefault();
      add(entry.value);
      entry.value = "";
    } else if (event.key === "Backspace" && !entry.value && keywords.length) {
      keywords.pop();
      render();
    }
  });
  entry.addEventListener("input", function () {
    // A pasted list: "python, django, aws".
    const last = entry.value.lastIndexOf(",");
    if (last >= 0) {
      add(entry.value.slice(0, last));
      entry.value = entry.value.slice(last + 1).trimStart();
    }
  });
  function commitTyped() {
    if (entry.value.trim()) {
      add(entry.value);
      entry.value = "";
    }
  }
  // Text typed but not yet a chip counts: leaving the field (say for Save keywords, which
  // sends only the hidden value) makes it one, as submitting the form does.
  entry.addEventListener("blur", commitTyped);
  form.addEventListener("submit", commitTyped);

  add(entry.value);
  entry.value = "";
  // Saving goes through htmx with the chips' value: only offered when scripts run.
  const save = document.getElementById("save-keywords");
  if (save) {
    save.hidden = false;
  }
})();
