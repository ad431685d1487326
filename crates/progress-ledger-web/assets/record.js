// The recording form. With the clerk's token it asks /record/options what the unit may write,
// offers only that, and records with POST /v1/events. Every submission carries an event id made
// once for it and kept until the server confirms it: a retry after a network failure (or a
// second click) sends the same id, and the server records it once. The server's own messages are
// shown as they are.
"use strict";
(function () {
  var KEY = "progress-ledger-token";
  function $(id) { return document.getElementById(id); }
  var form = $("record");
  var tokenInput = $("token");
  var who = $("who");
  var outcome = $("outcome");
  var refusal = $("refusal");
  var submit = $("submit");
  var token = null;
  var offers = [];
  var pendingId = null;
  var inFlight = false;
  var corrects = form.dataset.corrects || null;

  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function beijingToday() {
    return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  }

  function clear() {
    outcome.hidden = true; outcome.textContent = "";
    refusal.hidden = true; refusal.textContent = "";
  }

  function refuse(code, message) {
    refusal.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = "未记录：";
    refusal.appendChild(strong);
    refusal.appendChild(document.createTextNode(message + " "));
    if (code) {
      var c = document.createElement("code");
      c.textContent = code;
      refusal.appendChild(c);
    }
    refusal.dataset.code = code || "";
    refusal.hidden = false;
  }

  function option(select, value, text) {
    var o = document.createElement("option");
    o.value = value; o.textContent = text;
    select.appendChild(o);
    return o;
  }

  var ROLES = { recorder: "填报员", admin: "管理员", auditor: "审计（只读）" };

  async function useToken() {
    clear();
    var given = tokenInput.value.trim();
    if (!given) { refuse("missing_token", "请先填入令牌"); return; }
    var response;
    try {
      response = await fetch("/record/options", { headers: { Authorization: "Bearer " + given } });
    } catch (e) {
      refuse("network", "无法连接服务器：" + e.message);
      return;
    }
    var answer = await response.json().catch(function () { return null; });
    if (!response.ok) {
      form.hidden = true;
      who.textContent = "";
      var error = (answer && answer.error) || { code: String(response.status), message: response.statusText };
      refuse(error.code, error.message);
      return;
    }
    token = given;
    if ($("remember").checked) localStorage.setItem(KEY, token);
    offers = answer.indicators;
    who.dataset.unit = answer.unit;
    who.textContent = answer.unit + "（" + (ROLES[answer.role] || answer.role) + "）可填报 " + offers.length + " 个指标";
    fillIndicators();
    form.hidden = offers.length === 0;
  }

  function fillIndicators() {
    var select = $("indicator");
    select.textContent = "";
    var groups = {};
    offers.forEach(function (offer) {
      var label = offer.task + ". " + offer.task_title;
      if (!groups[label]) {
        groups[label] = document.createElement("optgroup");
        groups[label].label = label;
        select.appendChild(groups[label]);
      }
      var text = offer.title + (offer.item_title && offer.item_title !== offer.task_title ? "（" + offer.item_title + "）" : "");
      option(groups[label], offer.id, text);
    });
    var wanted = form.dataset.indicator;
    if (wanted && offers.some(function (o) { return o.id === wanted; })) select.value = wanted;
    if (!$("effective").value) $("effective").value = beijingToday();
    $("correction").hidden = !corrects;
    $("f-reason").hidden = !corrects;
    if (corrects) $("corrects-id").textContent = corrects;
    onIndicator();
  }

  function current() {
    var id = $("indicator").value;
    return offers.find(function (o) { return o.id === id; });
  }

  var KINDS = {
    progress: "填写本次新增的数量（不是累计数）",
    measurement: "填写本期测得的数值",
    milestone: "选择已完成的节点",
    status: "选择事项当前状态"
  };

  function onIndicator() {
    var offer = current();
    ["f-delta", "f-value", "f-deliverable", "f-status", "f-district"].forEach(function (id) { $(id).hidden = true; });
    if (!offer) return;
    var field = { progress: "f-delta", measurement: "f-value", milestone: "f-deliverable", status: "f-status" }[offer.type];
    $(field).hidden = false;
    var deliverable = $("deliverable");
    deliverable.textContent = "";
    offer.deliverables.forEach(function (d) { option(deliverable, d, d); });
    var district = $("district");
    district.textContent = "";
    if (offer.districts.length > 0) {
      if (offer.city) option(district, "", "全市（不分县区）");
      offer.districts.forEach(function (d) { option(district, d, d); });
      $("f-district").hidden = false;
    }
    var target = offer.target !== null ? "目标 " + offer.target + " " + offer.unit + " · " : "";
    $("indicator-info").textContent = target + (corrects ? "更正时可留空，表示仅作废原记录；" : "") + KINDS[offer.type];
  }

  function body() {
    var offer = current();
    if (!offer) return null;
    var update = { type: offer.type };
    var amount = { progress: "delta", measurement: "value", milestone: "deliverable", status: "status" }[offer.type];
    var value = $(amount).value.trim();
    if (value !== "") update[amount] = value;
    if (!$("f-district").hidden && $("district").value) update.district = $("district").value;
    var event = { indicator: offer.id, effective: $("effective").value };
    if (corrects) {
      event.type = "correction";
      event.corrects = corrects;
      event.reason = $("reason").value.trim();
      if (value !== "") event.replacement = update;
    } else {
      Object.keys(update).forEach(function (k) { event[k] = update[k]; });
    }
    var note = $("note").value.trim();
    if (note) event.note = note;
    return event;
  }

  async function send() {
    clear();
    if (inFlight) return;
    var event = body();
    if (!event) { refuse("no_indicator", "请选择指标"); return; }
    if (!pendingId) pendingId = uuid();
    event.id = pendingId;
    $("event-id").textContent = "事件编号 " + pendingId;
    inFlight = true;
    submit.disabled = true;
    var response;
    try {
      response = await fetch("/v1/events", {
        method: "POST",
        headers: { "content-type": "application/json", Authorization: "Bearer " + token },
        body: JSON.stringify(event)
      });
    } catch (e) {
      refuse("network", "网络中断，不能确定是否已记录。请再次提交：同一事件编号不会重复记录。");
      return;
    } finally {
      inFlight = false;
      submit.disabled = false;
    }
    var answer = await response.json().catch(function () { return null; });
    if (response.ok && answer) {
      pendingId = null;
      $("event-id").textContent = "";
      outcome.textContent = "";
      var text = answer.already_recorded
        ? "此前已记录（重复提交，未重复写入）：事件 #" + answer.seq + " "
        : "已记录：事件 #" + answer.seq + " ";
      outcome.appendChild(document.createTextNode(text));
      var link = document.createElement("a");
      link.href = "/indicators/" + encodeURIComponent(event.indicator) + "#e-" + answer.id;
      link.textContent = "查看记录";
      outcome.appendChild(link);
      outcome.dataset.seq = answer.seq;
      outcome.dataset.already = answer.already_recorded ? "true" : "false";
      outcome.hidden = false;
      ["delta", "value", "note", "reason"].forEach(function (id) { $(id).value = ""; });
      return;
    }
    var error = (answer && answer.error) || { code: String(response.status), message: response.statusText };
    refuse(error.code, error.message);
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); send(); });
  $("indicator").addEventListener("change", onIndicator);
  $("use-token").addEventListener("click", useToken);
  tokenInput.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); useToken(); } });
  $("forget-token").addEventListener("click", function () {
    localStorage.removeItem(KEY);
    token = null; tokenInput.value = ""; offers = []; form.hidden = true; who.textContent = ""; clear();
  });
  var kept = localStorage.getItem(KEY);
  if (kept) { tokenInput.value = kept; $("remember").checked = true; useToken(); }
  window.ledgerForm = { pendingId: function () { return pendingId; } };
})();
