/* Helpline's chat widget: one <script src=".../chat/widget.js?key=…" async></script> on any page.
   Everything lives in its own Shadow DOM: no global CSS, no global names. The visitor's token and
   the messages not yet confirmed by the server are kept in localStorage, so a reload or a lost
   connection loses nothing and sends nothing twice (each message carries its own id). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var src = new URL(script.src);
  var key = src.searchParams.get("key") || "";
  if (!key || window["helplineChat:" + key]) return;
  window["helplineChat:" + key] = true;
  var wsUrl = (src.protocol === "https:" ? "wss://" : "ws://") + src.host + "/chat/ws/";
  var uploadUrl = src.protocol + "//" + src.host + "/chat/upload/";
  var store = "helpline-chat:" + key;

  function load() {
    try { return JSON.parse(localStorage.getItem(store)) || {}; } catch (e) { return {}; }
  }
  var saved = load();
  function save() {
    try { localStorage.setItem(store, JSON.stringify(saved)); } catch (e) { /* private mode */ }
  }
  saved.pending = saved.pending || [];  // [{id, text}] sent, not yet acknowledged

  var CSS = ":host{all:initial}" +
    "*{box-sizing:border-box;font:15px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif}" +
    ".launch{position:fixed;right:16px;bottom:16px;z-index:2147483000;border:0;border-radius:24px;" +
    "padding:12px 18px;background:#1d4ed8;color:#fff;cursor:pointer;box-shadow:0 2px 8px #0004}" +
    ".panel{position:fixed;right:16px;bottom:16px;z-index:2147483001;width:360px;max-width:calc(100vw - 32px);" +
    "height:520px;max-height:calc(100vh - 32px);display:flex;flex-direction:column;background:#fff;color:#111;" +
    "border-radius:12px;box-shadow:0 4px 24px #0005;overflow:hidden}" +
    "[hidden]{display:none!important}" +
    "header{display:flex;align-items:center;gap:8px;padding:10px 12px;background:#1d4ed8;color:#fff}" +
    "header b{flex:1}header button{background:none;border:1px solid #fff8;color:#fff;border-radius:6px;padding:2px 8px;cursor:pointer}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:6px;background:#f6f7f9}" +
    ".m{max-width:80%;padding:6px 10px;border-radius:10px;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".visitor{align-self:flex-end;background:#1d4ed8;color:#fff}.agent{align-self:flex-start;background:#fff;border:1px solid #ddd}" +
    ".pending{opacity:.6}.who{font-size:12px;color:#555}.note{color:#444;font-size:13px;text-align:center}" +
    "form{display:flex;flex-direction:column;gap:6px;padding:10px;border-top:1px solid #ddd}" +
    "input,textarea{width:100%;padding:6px 8px;border:1px solid #bbb;border-radius:6px;background:#fff;color:#111}" +
    "textarea{resize:none;height:60px}.row{display:flex;gap:6px}" +
    ".file{padding:6px 12px;border:1px solid #1d4ed8;border-radius:6px;color:#1d4ed8;cursor:pointer}" +
    "form button,.survey button{padding:6px 12px;border:0;border-radius:6px;background:#1d4ed8;color:#fff;cursor:pointer}" +
    ".err{color:#b91c1c;font-size:13px}.typing{font-size:12px;color:#555;padding:0 12px;min-height:16px}" +
    ".survey{display:flex;gap:4px;justify-content:center;flex-wrap:wrap}" +
    ".after{display:flex;flex-direction:column;gap:8px;padding:10px;border-top:1px solid #ddd}" +
    ".transcript{display:flex;flex-direction:row;gap:6px;padding:0;border:0}.again{align-self:center;background:none;border:0;color:#1d4ed8;cursor:pointer;text-decoration:underline}";

  var host = document.createElement("div");
  host.setAttribute("data-helpline-chat", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML = "<style>" + CSS + "</style>" +
    "<button class='launch' part='launch'>Chat with us</button>" +
    "<section class='panel' hidden role='dialog' aria-label='Chat'>" +
    "<header><b class='title'>Chat with us</b><button class='end' hidden>End chat</button><button class='close' aria-label='Close'>×</button></header>" +
    "<div class='log' aria-live='polite'></div><div class='typing'></div>" +
    "<form class='send'><div class='about row'><input name='name' placeholder='Your name (optional)' autocomplete='name'>" +
    "<input name='email' type='email' placeholder='Email (optional)' autocomplete='email'></div>" +
    "<p class='offline-note note' hidden>Nobody is online right now. Leave a message and we will answer by email.</p>" +
    "<textarea name='text' placeholder='Write a message…' maxlength='4000' aria-label='Message'></textarea>" +
    "<p class='err' hidden></p><div class='row'><button type='submit'>Send</button><label class='file' hidden>Send a file<input type='file' name='file' hidden></label></div></form>" +
    "<div class='after' hidden><p class='note'>How was this chat?</p><div class='survey'>" +
    [1, 2, 3, 4, 5].map(function (n) { return "<button type='button' data-score='" + n + "' aria-label='" + n + " of 5'>" + n + "</button>"; }).join("") +
    "</div><form class='transcript'><input name='email' type='email' placeholder='Your email' aria-label='Email for the transcript' autocomplete='email'>" +
    "<button type='submit'>Email me the transcript</button></form><button type='button' class='again'>New chat</button></div>" +
    "</section>";
  function $(sel) { return root.querySelector(sel); }
  var launch = $(".launch"), panel = $(".panel"), log = $(".log"), form = $("form.send");
  var errBox = $(".err"), typingLine = $(".typing"), endButton = $(".end");
  var state = { online: false, chat: null, shown: {}, lastId: saved.lastId || 0, offline: false, sock: null, retry: 0 };

  function add(m, pending) {
    if (!pending && m.id && state.shown[m.id]) return;
    if (m.client) {  // our own message, now confirmed: drop its pending copy
      var old = log.querySelector("[data-client='" + CSS_escape(m.client) + "']");
      if (old && !pending) old.remove();
      if (!pending) forget(m.client);
    }
    var div = document.createElement("div");
    div.className = "m " + m.from + (pending ? " pending" : "");
    if (pending) div.setAttribute("data-client", m.client);
    div.textContent = m.text;
    if (m.from === "agent" && m.name) {
      var who = document.createElement("div");
      who.className = "who"; who.textContent = m.name;
      log.appendChild(who);
    }
    log.appendChild(div);
    if (!pending && m.id) {
      state.shown[m.id] = true;
      if (m.id > state.lastId) { state.lastId = m.id; saved.lastId = m.id; save(); }
    }
    log.scrollTop = log.scrollHeight;
  }
  function CSS_escape(s) { return String(s).replace(/[^a-zA-Z0-9_-]/g, ""); }
  function note(text) {
    var p = document.createElement("p"); p.className = "note"; p.textContent = text;
    log.appendChild(p); log.scrollTop = log.scrollHeight;
  }
  function forget(client) {
    saved.pending = saved.pending.filter(function (p) { return p.id !== client; }); save();
  }
  function showError(text) { errBox.textContent = text; errBox.hidden = !text; }

  function setChat(chat) {
    var ended = chat && chat.status === "ended";
    $(".after").hidden = !ended;
    form.hidden = !!ended;
    if (ended && form.elements.email.value) $(".transcript").elements.email.value = form.elements.email.value;
    state.chat = chat && chat.status !== "ended" ? chat : null;
    endButton.hidden = !state.chat;
    $(".file").hidden = !state.chat;
    $(".about").hidden = !!state.chat;
    $(".title").textContent = state.chat && state.chat.agent ? "You are chatting with " + state.chat.agent : "Chat with us";
    if (chat && chat.status === "ended") {
      note(chat.ended_by === "agent" ? "The agent ended the chat." : "You ended the chat.");
      saved.lastId = 0; state.lastId = 0; save();
    } else if (chat && chat.status === "waiting") {
      note("Waiting for the next free agent…");
    }
  }
  function setOffline(offline) {
    state.offline = offline;
    $(".offline-note").hidden = !offline;
    form.elements.email.required = offline;
    form.elements.email.placeholder = offline ? "Email (to answer you)" : "Email (optional)";
  }

  function connect() {
    var url = wsUrl + "?key=" + encodeURIComponent(key) + (saved.token ? "&token=" + encodeURIComponent(saved.token) : "") + "&since=" + state.lastId;
    var sock = new WebSocket(url);
    state.sock = sock;
    sock.onmessage = function (e) {
      var f; try { f = JSON.parse(e.data); } catch (x) { return; }
      if (f.type === "welcome") {
        state.retry = 0;
        saved.token = f.token; save();
        state.online = f.online;
        if (f.chat) setChat(f.chat); else setOffline(!f.online);
        f.messages.forEach(function (m) { add(m); });
        saved.pending.forEach(function (p) {
          if (!log.querySelector("[data-client='" + CSS_escape(p.id) + "']")) add({ from: "visitor", text: p.text, client: p.id }, true);
          send({ type: "message", id: p.id, text: p.text });
        });
      } else if (f.type === "message") {
        add(f.message);
        if (f.message.from === "agent") typingLine.textContent = "";
      } else if (f.type === "sync") {
        f.messages.forEach(function (m) { add(m); });
      } else if (f.type === "ack") {
        if (f.message) add(f.message); else forget(f.id);
      } else if (f.type === "state") {
        setChat(f.chat);
      } else if (f.type === "typing") {
        typingLine.textContent = f.typing ? (f.name || "The agent") + " is typing…" : "";
      } else if (f.type === "offline") {
        var p = saved.pending.filter(function (x) { return x.id === f.id; })[0];
        var old = log.querySelector("[data-client='" + CSS_escape(f.id) + "']");
        if (old) old.remove();
        forget(f.id);
        setOffline(true);
        if (p) form.elements.text.value = p.text;
      } else if (f.type === "status") {
        if (!state.chat && f.online === state.offline) setOffline(!f.online);
      } else if (f.type === "rated") {
        $(".survey").textContent = "Thank you for your answer.";
      } else if (f.type === "transcript_sent") {
        $(".transcript").textContent = "The transcript is on its way.";
      } else if (f.type === "left") {
        forget(f.id);
        note("Thank you: we will answer by email.");
      } else if (f.type === "error") {
        if (f.id) {
          var el = log.querySelector("[data-client='" + CSS_escape(f.id) + "']");
          if (el) el.remove();
          forget(f.id);
        }
        showError(f.error);
      }
    };
    sock.onclose = function () {
      state.sock = null;
      // Refused for about 90 s on end: a token no longer valid (the server's
      // key changed) is dropped, and the widget starts as a new visitor.
      if (state.retry >= 20 && saved.token) { delete saved.token; save(); }
      var wait = Math.min(5000, 300 * Math.pow(2, state.retry++));
      setTimeout(connect, wait);
    };
  }
  function send(frame) {
    if (state.sock && state.sock.readyState === 1) state.sock.send(JSON.stringify(frame));
  }
  function newId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    showError("");
    var text = form.elements.text.value.trim();
    if (!text) return;
    var id = newId();
    var frame = { type: state.offline ? "offline" : "message", id: id, text: text,
                  name: form.elements.name.value, email: form.elements.email.value, page: location.href };
    if (state.offline && !frame.email) { showError("Give your email address, so that we can answer."); return; }
    if (!state.offline) {
      saved.pending.push({ id: id, text: text }); save();
      add({ from: "visitor", text: text, client: id }, true);
    }
    form.elements.text.value = "";
    send(frame);
    sendTyping(false);
  });
  var typingSent = false, typingAt = 0, typingTimer = null;
  function sendTyping(on) {
    // Said again every 2 s while typing: a desk page opened meanwhile hears it too.
    if (on === typingSent && (!on || Date.now() - typingAt < 2000)) return;
    typingSent = on; typingAt = Date.now(); send({ type: "typing", typing: on });
  }
  form.elements.text.addEventListener("input", function () {
    if (!state.chat) return;
    sendTyping(true);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { sendTyping(false); }, 3000);
  });
  form.elements.text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  endButton.addEventListener("click", function () { send({ type: "end" }); });
  form.elements.file.addEventListener("change", function () {
    var file = this.files[0];
    if (!file) return;
    var body = new FormData();
    body.append("file", file); body.append("id", newId());
    showError("");
    fetch(uploadUrl + "?key=" + encodeURIComponent(key) + "&token=" + encodeURIComponent(saved.token || ""), { method: "POST", body: body })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (data.message) add(data.message); else showError(data.error || "The file was not sent."); })
      .catch(function () { showError("The file was not sent: no connection."); });
    this.value = "";
  });
  $(".survey").addEventListener("click", function (e) {
    var score = e.target.getAttribute && e.target.getAttribute("data-score");
    if (score) send({ type: "survey", score: Number(score) });
  });
  $(".transcript").addEventListener("submit", function (e) {
    e.preventDefault();
    send({ type: "transcript", email: this.elements.email.value });
  });
  $(".again").addEventListener("click", function () {
    $(".after").hidden = true; form.hidden = false; log.textContent = ""; state.shown = {};
  });
  launch.addEventListener("click", function () { panel.hidden = false; launch.hidden = true; form.elements.text.focus(); });
  $(".close").addEventListener("click", function () { panel.hidden = true; launch.hidden = false; });

  // While the offline form shows, ask every 30 s whether someone came online.
  setInterval(function () { if (state.offline && !state.chat) send({ type: "status" }); }, 30000);

  function start() { document.body.appendChild(host); connect(); }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
