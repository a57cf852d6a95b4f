// Helpline desk: keyboard shortcuts and inbox polling. No dependencies.
//
// Shortcuts are declared in the markup, so each page says what its keys do:
//   [data-row]          a list row; j/k select, Enter opens its first link
//                       (or its [data-open] control, e.g. a button that posts)
//   [data-key="r"]      pressing r clicks it (a button or link) or focuses it (a field)
//   #search-q           "/" focuses it;  #shortcuts  "?" opens that dialog
"use strict";

(function () {
  function typing(target) {
    const tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function rows() {
    return Array.from(document.querySelectorAll("[data-row]"));
  }

  function opener(row) {
    return row.querySelector("[data-open]") || row.querySelector("a");
  }

  function select(row) {
    rows().forEach((r) => r.classList.toggle("selected", r === row));
    if (!row) return;
    const link = opener(row);
    (link || row).focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    sessionStorage.setItem("helpline:selected:" + location.pathname + location.search, row.dataset.id || "");
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const current = all.findIndex((r) => r.classList.contains("selected"));
    const next = current === -1 ? 0 : Math.min(all.length - 1, Math.max(0, current + step));
    select(all[next]);
  }

  function activate(element) {
    if (element.matches("input, textarea, select")) {
      element.focus();
    } else if (element.tagName === "DETAILS") {
      element.open = true;
      const field = element.querySelector("input:not([type=hidden]), textarea, select");
      if (field) field.focus();
    } else {
      element.click();
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      return;
    }
    if (typing(event.target)) return;
    const dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "Enter": {
        const row = document.querySelector("[data-row].selected");
        if (!row || event.target.closest("[data-row]") === row && event.target.matches("a, button")) return;
        const link = opener(row);
        if (link) link.click();
        break;
      }
      case "/": {
        const search = document.getElementById("search-q");
        if (search) search.focus();
        break;
      }
      case "?":
        if (dialog) dialog.showModal();
        break;
      default: {
        const target = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
        if (!target) return;
        activate(target);
      }
    }
    event.preventDefault();
  });

  // The row that was selected before opening a conversation stays selected on return.
  function restoreSelection() {
    const id = sessionStorage.getItem("helpline:selected:" + location.pathname + location.search);
    if (!id) return;
    const row = document.querySelector(`[data-row][data-id="${CSS.escape(id)}"]`);
    if (row) row.classList.add("selected");
  }

  // The bell in the top bar: its count, capped the way the server caps it ("99+").
  function showUnread(count) {
    const bell = document.getElementById("bell");
    const cell = document.getElementById("bell-count");
    if (!bell || !cell || typeof count !== "number") return;
    const cap = Number(bell.dataset.cap);
    cell.textContent = count > cap ? cap + "+" : String(count);
    bell.classList.toggle("has-unread", count > 0);
  }

  // Inbox updates: counts and the bell always; on the first page the rows are redrawn in
  // place. With the live socket (live.js) an event of a conversation asks at once; without
  // it, or while it is down, the page polls.
  function pollInbox() {
    const box = document.getElementById("inbox-rows");
    if (!box) return;
    let since = box.dataset.since;
    const every = Number(box.dataset.every || 10000);
    let asking = false;
    let again = false;
    let soon = null;
    function live() {
      return window.HelplineLive && window.HelplineLive.up;
    }
    // `whole`: the rows whatever changed. An event's change may carry a time from before the
    // previous answer's `now` (it committed after it), so asking "since" could miss it.
    async function tick(whole) {
      if (document.hidden) return;
      if (asking) {
        again = true; // one more question once this one is answered
        return;
      }
      asking = true;
      try {
        const url = box.dataset.poll + (whole === true ? "" : "&since=" + encodeURIComponent(since));
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const data = await response.json();
        since = data.now;
        showUnread(data.unread);
        for (const [slug, n] of Object.entries(data.counts)) {
          const cell = document.querySelector(`[data-count="${slug}"]`);
          const cap = Number(box.dataset.cap);
          if (cell) cell.textContent = n > cap ? cap.toLocaleString("en") + "+" : n.toLocaleString("en");
        }
        if (data.rows === undefined) return;
        if (box.dataset.firstPage === "1") {
          const selected = document.querySelector("[data-row].selected");
          const keep = selected && selected.dataset.id;
          const hadFocus = selected && selected.contains(document.activeElement);
          const picked = pickedIds();
          box.innerHTML = data.rows;
          box.querySelectorAll("input.pick").forEach((pick) => { pick.checked = picked.has(pick.value); });
          showPicked();
          if (keep) {
            const row = box.querySelector(`[data-row][data-id="${CSS.escape(keep)}"]`);
            if (row) {
              row.classList.add("selected");
              if (hadFocus) row.querySelector("a").focus({ preventScroll: true });
            }
          }
        } else {
          const banner = document.querySelector(".new-banner");
          if (banner) banner.hidden = false;
        }
      } catch (error) {
        // Offline for a moment: the next tick tries again.
      } finally {
        asking = false;
        if (again) {
          again = false;
          tick(true);
        }
      }
    }
    setInterval(() => { if (!live()) tick(); }, every);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) tick(); });
    // Events come in bursts (a reply is a message, a status and an assignment): ask once,
    // and on a busy desk at most once a second.
    let lastAsked = 0;
    document.addEventListener("helpline:event", (event) => {
      const changed = event.detail.event === "scope.changed"; // the agent's locations changed
      if (!changed && (!event.detail.conversation_id || event.detail.event === "presence")) return;
      if (soon) return; // already asked for
      const wait = Math.max(150, 1000 - (Date.now() - lastAsked));
      soon = setTimeout(() => {
        soon = null;
        lastAsked = Date.now();
        tick(true);
      }, wait);
    });
    // Back after a drop: whatever was missed meanwhile.
    document.addEventListener("helpline:live", (event) => { if (event.detail.up) tick(true); });
  }

  // Bulk actions: the controls show once a conversation is picked; a redraw keeps the picks.
  function pickedIds() {
    return new Set(Array.from(document.querySelectorAll("input.pick:checked"), (pick) => pick.value));
  }

  function showPicked() {
    const bulk = document.getElementById("bulk");
    if (!bulk) return;
    const count = pickedIds().size;
    const all = document.querySelectorAll("input.pick").length;
    bulk.querySelector(".bulk-actions").hidden = count === 0;
    bulk.querySelector("[data-picked]").textContent = count ? count + " selected" : "Select all";
    const pickAll = document.getElementById("pick-all");
    pickAll.checked = count > 0 && count === all;
    pickAll.indeterminate = count > 0 && count < all;
  }

  function watchPicks() {
    const bulk = document.getElementById("bulk");
    if (!bulk) return;
    document.addEventListener("change", (event) => {
      if (event.target.id === "pick-all") {
        document.querySelectorAll("input.pick").forEach((pick) => { pick.checked = event.target.checked; });
      }
      if (event.target.id === "pick-all" || event.target.matches("input.pick")) showPicked();
    });
    showPicked();
  }

  // On a phone the filters start folded away unless some are on.
  function foldFilters() {
    const panel = document.querySelector(".filter-panel");
    if (panel && window.matchMedia("(max-width: 720px)").matches && !panel.dataset.on) panel.open = false;
  }

  // A refused form comes back with its first field in error marked autofocus, which the
  // browser scrolls to by itself; this also brings the message under the field into view
  // (a sticky header or a tall field could hide it) and opens a closed section around it.
  function showFirstError() {
    const field = document.querySelector("[aria-invalid='true']");
    const ids = field ? (field.getAttribute("aria-describedby") || "").split(" ") : [];
    const message = ids.map((id) => document.getElementById(id))
      .find((el) => el && el.classList.contains("field-error")) ||
      (field ? null : document.querySelector(".field-error"));
    if (!field && !message) return;
    const details = (field || message).closest("details");
    if (details) details.open = true;
    // The field just below the sticky top bar, then down if its message is still cut off.
    const bar = document.querySelector(".topbar");
    const below = bar && getComputedStyle(bar).position === "sticky" ? bar.offsetHeight : 0;
    const first = field || message;
    window.scrollBy(0, first.getBoundingClientRect().top - below - 12);
    if (message) {
      const overflow = message.getBoundingClientRect().bottom - window.innerHeight + 12;
      if (overflow > 0) window.scrollBy(0, overflow);
    }
    if (field && document.activeElement !== field) field.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", () => {
    restoreSelection();
    pollInbox();
    watchPicks();
    foldFilters();
    showFirstError();
  });
})();
