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

  // New messages appear without a reload: asked for when the live socket (live.js) says
  // there is one, when it comes back after a drop, or when a heartbeat sees a newer one
  // (the polling while the socket is down). Rows already shown are never added twice.
  function liveThread(page) {
    const thread = document.getElementById("thread");
    const url = page.dataset.messagesUrl;
    if (!thread || !url) return null;
    let latest = Number(page.dataset.latestMessage || 0);
    let asking = false;
    let again = false;

    async function fetchNew() {
      if (asking) {
        again = true;
        return;
      }
      asking = true;
      try {
        const response = await fetch(url + (latest ? "?after=" + latest : ""), {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const data = await response.json();
        const rows = document.createElement("template");
        rows.innerHTML = data.rows;
        for (const row of Array.from(rows.content.children)) {
          const article = row.querySelector("article[id^='message-']");
          if (!article || document.getElementById(article.id)) continue;
          const empty = thread.querySelector("li.empty");
          if (empty) empty.remove();
          thread.append(row);
        }
        latest = Math.max(latest, data.latest);
      } catch (error) {
        // Offline for a moment: the next event, heartbeat or reconnection asks again.
      } finally {
        asking = false;
        if (again) {
          again = false;
          fetchNew();
        }
      }
    }

    return {
      fetchNew,
      get latest() { return latest; },
    };
  }

  // Presence: who else has the conversation open or is typing. Over the live socket when it
  // is up (a beat every few seconds, at once when the agent starts typing, and the others'
  // changes pushed); over HTTP heartbeats otherwise.
  function watchPresence(page, reply) {
    const url = page.dataset.presenceUrl;
    const conversationId = Number(page.dataset.conversation);
    const every = Number(page.dataset.every || 10000);
    const tokenField = document.querySelector("input[name=csrfmiddlewaretoken]");
    const token = tokenField ? tokenField.value : "";
    const region = document.getElementById("presence");
    const notice = document.getElementById("new-message-notice");
    const changed = document.getElementById("changed-notice");
    const thread = liveThread(page);
    const live = window.HelplineLive;
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

    function show(others) {
      const text = describe(others);
      // Rewriting the same words would make screen readers say them again.
      if (region && region.textContent !== text) region.textContent = text;
    }

    async function beat() {
      if (live && live.send({ type: "presence", conversation_id: conversationId, typing: typing() })) return;
      try {
        const response = await fetch(url, {
          method: "POST",
          body: form({ typing: typing() ? "1" : "0" }),
          headers: { Accept: "application/json", "X-CSRFToken": token },
          credentials: "same-origin",
        });
        if (!response.ok) return;
        const data = await response.json();
        show(data.others);
        if (data.latest_message_id > (thread ? thread.latest : Number(page.dataset.latestMessage || 0))) {
          if (thread) thread.fetchNew();
          else if (notice) notice.hidden = false;
        }
      } catch (error) {
        // Offline for a moment, or signed out: the next beat tries again.
      }
    }

    document.addEventListener("helpline:event", (message) => {
      const event = message.detail;
      if (event.conversation_id !== conversationId) return;
      if (event.event === "presence") {
        show(event.present.filter((other) => live && other.user_id !== live.me));
      } else if (event.message_id && thread) {
        thread.fetchNew();
      } else if (changed && (!live || event.actor_id !== live.me) && !event.message_id) {
        changed.hidden = false; // a property changed by someone else: its form may be stale
      }
    });
    document.addEventListener("helpline:live", (message) => {
      if (!message.detail.up) return;
      beat(); // say we are here again (and hear who is)
      if (thread) thread.fetchNew(); // and what came while the socket was down
    });

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
