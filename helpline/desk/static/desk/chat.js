// A chat conversation's live panel: the visitor's messages and typing as they come, the
// agent's messages sent without a reload. It listens to the desk's live socket (live.js:
// "helpline:event" on document) and fetches what changed over HTTP; while that socket is down
// (or absent) it asks every few seconds. Every message has its id: none is shown twice.
"use strict";

(function () {
  const panel = document.getElementById("chat");
  if (!panel) return;
  const conversation = Number(panel.dataset.conversation);
  const log = document.getElementById("chat-log");
  const typingLine = document.getElementById("chat-typing");
  const form = document.getElementById("chat-form");
  const errorBox = document.getElementById("chat-error");
  let lastId = Number(panel.dataset.lastId) || 0;
  let fetching = null;
  let again = false;

  function shown(id) { return log.querySelector(`[data-id="${id}"]`) !== null; }

  function add(message) {
    if (!message || shown(message.id)) return;
    const item = document.createElement("li");
    item.className = `chat-message chat-${message.from}`;
    item.dataset.id = message.id;
    const who = document.createElement("span");
    who.className = "chat-who";
    who.textContent = message.from === "agent" ? message.name : "Visitor";
    item.append(who, " ", message.text);
    (message.files || []).forEach((file) => {
      const link = document.createElement("a");
      link.href = `/attachments/${file.id}/`;
      link.textContent = file.name;
      item.append(" ", link);
    });
    log.append(item);
    lastId = Math.max(lastId, message.id);
    if (message.from === "visitor") typingLine.textContent = "";
  }

  function showState(chat) {
    if (!chat) return;
    const state = document.getElementById("chat-state");
    if (chat.status === state.dataset.status) return;
    state.dataset.status = chat.status;
    state.textContent = chat.status === "ended" ? `Ended by the ${chat.ended_by || "agent"}`
      : chat.status === "active" ? `With ${chat.agent}` : "Waiting for an agent";
    if (chat.status === "ended" && form) {
      form.hidden = true;
      document.querySelector(".chat-actions").hidden = true;
    }
  }

  async function catchUp() {
    if (fetching) { again = true; return; }
    fetching = fetch(`${panel.dataset.messagesUrl}?after=${lastId}`, { headers: { Accept: "application/json" } });
    try {
      const response = await fetching;
      if (response.ok) {
        const data = await response.json();
        data.messages.forEach(add);
        showState(data.chat);
      }
    } catch (error) { /* offline: the next event or poll tries again */ }
    fetching = null;
    if (again) { again = false; catchUp(); }
  }

  document.addEventListener("helpline:event", (e) => {
    const event = e.detail;
    if (!event || event.conversation_id !== conversation) return;
    if (event.event === "chat.typing") {
      typingLine.textContent = event.typing ? "The visitor is typing…" : "";
    } else {
      catchUp();
    }
  });
  document.addEventListener("helpline:live", (e) => {
    panel.dataset.live = e.detail.up ? "up" : "down";
    if (e.detail.up) catchUp();
  });
  // Without the live socket (or while it is down): ask every few seconds.
  setInterval(() => { if (!liveUp()) catchUp(); }, 3000);

  // The desk's shared socket is live.js's; on a page without it, this panel opens the desk
  // socket itself and tells the page the same way.
  let ownUp = false;
  function liveUp() { return window.HelplineLive ? window.HelplineLive.up : ownUp; }
  function ownSocket(tries) {
    const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/desk/");
    socket.addEventListener("open", () => {
      tries = 0;
      ownUp = true;
      document.dispatchEvent(new CustomEvent("helpline:live", { detail: { up: true } }));
    });
    socket.addEventListener("message", (m) => {
      let events;
      try { events = JSON.parse(m.data); } catch (error) { return; }
      for (const event of Array.isArray(events) ? events : [events]) { // as live.js
        document.dispatchEvent(new CustomEvent("helpline:event", { detail: event }));
      }
    });
    socket.addEventListener("close", (closed) => {
      ownUp = false;
      if (closed.code !== 4401) setTimeout(() => ownSocket(tries + 1), Math.min(10000, 500 * 2 ** tries));
    });
  }
  if (!window.HelplineLive && "WebSocket" in window) ownSocket(0);

  if (!form) return;
  const text = form.querySelector("textarea");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  let typingSent = false;
  let typingAt = 0;
  let typingTimer = null;
  function sendTyping(on) {
    // Said again every 2 s while typing: a widget that reconnected meanwhile hears it too.
    if (on === typingSent && (!on || Date.now() - typingAt < 2000)) return;
    typingSent = on;
    typingAt = Date.now();
    const body = new FormData();
    body.append("typing", on ? "1" : "0");
    fetch(panel.dataset.typingUrl, { method: "POST", body, headers: { "X-CSRFToken": token } }).catch(() => {});
  }
  text.addEventListener("input", () => {
    sendTyping(true);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => sendTyping(false), 3000);
  });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const words = text.value.trim();
    if (!words) return;
    errorBox.hidden = true;
    const body = new FormData(form);
    body.set("id", Date.now().toString(36) + Math.random().toString(36).slice(2, 8));
    text.value = "";
    clearTimeout(typingTimer);
    typingSent = false;
    try {
      // Sent again with the same id if the answer is lost: stored once.
      let response = null;
      for (let tries = 0; tries < 3 && response === null; tries += 1) {
        try {
          response = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" } });
        } catch (error) { await new Promise((done) => setTimeout(done, 1000)); }
      }
      if (response === null) throw new Error("offline");
      const data = await response.json();
      if (!response.ok) throw new Error(data.error);
      add(data.message);
    } catch (error) {
      text.value = words;
      errorBox.textContent = `Not sent: ${error.message === "offline" ? "no connection, try again" : error.message}.`;
      errorBox.hidden = false;
    }
  });
})();
