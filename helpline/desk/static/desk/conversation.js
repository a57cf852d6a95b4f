// The conversation page: who else is here (presence), new messages, canned replies.
// Everything works without this file; it only adds what needs a live page.
"use strict";

(function () {
  function start() {
    const page = document.getElementById("conversation");
    if (!page) return;
    const reply = document.getElementById("reply-text");
    watchPresence(page, reply);
    if (reply) offerCannedReplies(reply);
    document.querySelectorAll("[data-attach]").forEach(acceptFiles);
  }

  // Files: the input works alone; this adds dropping files on the form, pasting them
  // (a screenshot) into it, and a list of what is chosen against the size limit.
  function acceptFiles(box) {
    const input = box.querySelector("input[type=file]");
    const list = box.querySelector(".chosen-files");
    const form = box.closest("form");
    let limit = Number(box.dataset.limit || 0);
    if (!input || !form || typeof DataTransfer === "undefined") return;

    // A conversation without a mailbox: the limit is the one of the mailbox chosen to send from.
    const sender = form.querySelector("select[name=mailbox]");
    const limitText = box.querySelector("[data-limit-text]");
    function follow() {
      const option = sender.selectedOptions[0];
      if (!option || !option.dataset.limit) return;
      limit = Number(option.dataset.limit);
      if (limitText) limitText.textContent = option.dataset.limitText;
      show();
    }
    if (sender) {
      sender.addEventListener("change", follow);
      follow();
    }

    function size(bytes) {
      if (bytes < 1024) return bytes + " bytes";
      if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
      return (bytes / 1024 / 1024).toFixed(1) + " MB";
    }

    function show() {
      list.replaceChildren();
      let total = 0;
      for (const file of input.files) {
        total += file.size;
        const item = document.createElement("li");
        item.textContent = file.name + " (" + size(file.size) + ")";
        list.append(item);
      }
      if (limit && total > limit) {
        const item = document.createElement("li");
        item.className = "error";
        item.textContent = "Too large: " + size(total) + " in all, at most " + size(limit) + ".";
        list.append(item);
      }
    }

    function add(files) {
      const chosen = new DataTransfer();
      for (const file of input.files) chosen.items.add(file);
      for (const file of files) chosen.items.add(file);
      input.files = chosen.files;
      show();
    }

    input.addEventListener("change", show);
    form.addEventListener("dragover", (event) => {
      if (!event.dataTransfer || !event.dataTransfer.types.includes("Files")) return;
      event.preventDefault();
      form.classList.add("dropping");
    });
    form.addEventListener("dragleave", (event) => {
      if (!form.contains(event.relatedTarget)) form.classList.remove("dropping");
    });
    form.addEventListener("drop", (event) => {
      form.classList.remove("dropping");
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      add(event.dataTransfer.files);
    });
    form.addEventListener("paste", (event) => {
      const files = event.clipboardData ? event.clipboardData.files : [];
      if (!files.length) return; // plain text pastes as usual
      event.preventDefault();
      add(files);
    });
  }

  // Presence: a heartbeat every few seconds, and at once when the agent starts typing.
  function watchPresence(page, reply) {
    const url = page.dataset.presenceUrl;
    const every = Number(page.dataset.every || 10000);
    const shownLatest = Number(page.dataset.latestMessage || 0);
    const tokenField = document.querySelector("input[name=csrfmiddlewaretoken]");
    const token = tokenField ? tokenField.value : "";
    const region = document.getElementById("presence");
    const notice = document.getElementById("new-message-notice");
    let lastTyped = 0;

    function typing() {
      return Date.now() - lastTyped < every;
    }

    function form(fields) {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", token);
      for (const [name, value] of Object.entries(fields)) body.append(name, value);
      return body;
    }

    function describe(others) {
      return others
        .map((other) => other.name + (other.typing ? " is typing a reply" : " is viewing"))
        .join(" · ");
    }

    async function beat() {
      try {
        const response = await fetch(url, {
          method: "POST",
          body: form({ typing: typing() ? "1" : "0" }),
          headers: { Accept: "application/json", "X-CSRFToken": token },
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const data = await response.json();
        const text = describe(data.others);
        // Rewriting the same words would make screen readers say them again.
        if (region && region.textContent !== text) region.textContent = text;
        if (notice && data.latest_message_id > shownLatest) notice.hidden = false;
      } catch (error) {
        // Offline for a moment, or signed out: the next beat tries again.
      }
    }

    if (reply) {
      reply.addEventListener("input", () => {
        const wasTyping = typing();
        lastTyped = Date.now();
        if (!wasTyping) beat();
      });
    }
    window.addEventListener("pagehide", () => {
      navigator.sendBeacon(url, form({ leaving: "1" }));
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) beat();
    });
    beat();
    setInterval(() => {
      if (!document.hidden) beat();
    }, every);
  }

  // Canned replies: the texts are rendered on the server and embedded as JSON.
  function offerCannedReplies(reply) {
    const select = document.getElementById("canned-reply");
    const data = document.getElementById("canned-texts");
    const form = document.getElementById("canned-form");
    if (!select || !data || !form) return;
    const texts = JSON.parse(data.textContent);
    let touched = false;
    let undo = null; // what the box held before the last insertion, while left untouched

    reply.addEventListener("focus", () => { touched = true; });

    function insert(text) {
      if (undo && reply.value === undo.result) {
        // Choosing another one straight after replaces the first, not adds to it.
        reply.value = undo.before;
        reply.setSelectionRange(undo.start, undo.end);
      }
      const before = reply.value;
      const start = touched ? reply.selectionStart : before.length;
      const end = touched ? reply.selectionEnd : before.length;
      reply.setRangeText(text, start, end, "end");
      undo = { before, start, end, result: reply.value };
      reply.dispatchEvent(new Event("input", { bubbles: true }));
    }

    select.addEventListener("change", () => {
      if (texts[select.value] !== undefined) insert(texts[select.value]);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (texts[select.value] !== undefined) insert(texts[select.value]);
      reply.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
