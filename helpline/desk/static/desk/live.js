// The desk's live socket: one per tab, opened on every page of a signed-in person.
//
// It tells the page what happened, nothing more: document receives "helpline:event" (detail:
// the event, ids and small fields; a frame carries one event or an array of them) and "helpline:live" (detail: {up}) when the socket opens
// or drops. Pages fetch what they show over HTTP, so who sees what stays on the server.
// Without this file (JavaScript off, a proxy without WebSockets) pages poll as before; while
// the socket is down they poll too, and when it comes back they catch up.
"use strict";

(function () {
  const bar = document.querySelector("[data-live]");
  if (!bar || !("WebSocket" in window)) return;
  const me = Number(bar.dataset.me);
  const SIGNED_OUT = 4401; // the server's close code: no retry
  let socket = null;
  let up = false;
  let tries = 0;
  let timer = null;

  const live = {
    me,
    get up() { return up; },
    // A message for the server (presence); false when the socket is down.
    send(message) {
      if (!up) return false;
      socket.send(JSON.stringify(message));
      return true;
    },
  };
  window.HelplineLive = live;

  function announce(state) {
    up = state;
    bar.dataset.liveState = state ? "up" : "down";
    document.dispatchEvent(new CustomEvent("helpline:live", { detail: { up: state } }));
  }

  function connect() {
    timer = null;
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + bar.dataset.live);
    socket.addEventListener("open", () => {
      tries = 0;
      announce(true);
    });
    socket.addEventListener("message", (message) => {
      let events;
      try { events = JSON.parse(message.data); } catch (error) { return; }
      // One event, or the events of one commit together (an array), in order.
      for (const event of Array.isArray(events) ? events : [events]) {
        document.dispatchEvent(new CustomEvent("helpline:event", { detail: event }));
        notify(event);
      }
    });
    socket.addEventListener("close", (closed) => {
      socket = null;
      if (up) announce(false);
      if (closed.code === SIGNED_OUT) return;
      // Again after 1, 2, 4 … 30 seconds, spread so that a restarted server is not stormed.
      tries += 1;
      const wait = Math.min(30000, 1000 * 2 ** Math.min(tries - 1, 5));
      timer = setTimeout(connect, wait * (0.5 + Math.random() / 2));
    });
  }

  // A tab that comes back to the front reconnects at once rather than at its next try.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden || socket || timer === null) return;
    clearTimeout(timer);
    connect();
  });

  // Desktop notifications, opt-in per browser: a new chat, or a conversation assigned to me.
  const KEY = "helpline:notify";
  function wanted() {
    return "Notification" in window && Notification.permission === "granted" &&
      localStorage.getItem(KEY) === "on";
  }

  function notify(event) {
    if (!wanted() || event.actor_id === me) return;
    let title = null;
    if (event.event === "message.received" && event.new_conversation && event.channel === "chat") {
      title = "New chat #" + event.conversation_id;
    } else if (event.event === "conversation.assigned" && event.assignee_id === me &&
      event.assignee_before !== me) {
      title = "Conversation #" + event.conversation_id + " was assigned to you";
    }
    if (!title) return;
    // One notification per conversation and kind, however many tabs are open.
    let shown;
    try {
      shown = new Notification(title, { tag: event.event + ":" + event.conversation_id });
    } catch (error) {
      return; // a browser that shows them only from a service worker (phones)
    }
    shown.addEventListener("click", () => {
      window.focus();
      location.href = "/conversations/" + event.conversation_id + "/";
    });
  }

  function offerNotifications() {
    const button = document.getElementById("notify-opt-in");
    if (!button || !("Notification" in window) || Notification.permission === "denied") return;
    function show() { button.hidden = wanted(); }
    button.addEventListener("click", async () => {
      const answer = await Notification.requestPermission();
      if (answer === "granted") localStorage.setItem(KEY, "on");
      show();
    });
    show();
  }

  document.addEventListener("DOMContentLoaded", offerNotifications);
  connect();
})();
