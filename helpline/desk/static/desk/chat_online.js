// While a desk page is open, its agent is online for chats (helpline.channels.chat routes new
// chats to online agents): a small heartbeat. Closing every desk tab takes them offline
// within HELPLINE_CHAT_ONLINE_SECONDS.
"use strict";

(function () {
  const me = document.querySelector("[data-chat-online]");
  if (!me) return;
  const token = me.dataset.csrf;
  function beat() {
    fetch(me.dataset.chatOnline, { method: "POST", headers: { "X-CSRFToken": token } }).catch(() => {});
  }
  beat();
  setInterval(beat, 20000);
})();
