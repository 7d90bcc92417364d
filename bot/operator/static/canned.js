// Canned replies: "/" at the start of the reply box lists the ready answers for this
// customer's locale, filled in for them ({name}, {order}); typing after the "/" filters,
// arrows move, Enter or a click puts the text in the box to edit and send.

const desk = () => window.omnicanalOperator;
const $ = (id) => document.getElementById(id);
const box = $("reply-text");
const list = $("canned-list");
let loadedFor = null;
let replies = [];
let shown = [];
let active = 0;

async function load() {
  const id = desk().state.openId;
  if (!id) return [];
  if (loadedFor !== id) {
    const data = await desk().api("GET", `/conversations/${encodeURIComponent(id)}/canned`);
    replies = (data && data.items) || [];
    loadedFor = id;
  }
  return replies;
}

function close() {
  list.hidden = true;
  shown = [];
}

function render() {
  list.replaceChildren(...shown.map((reply, i) => {
    const li = document.createElement("li");
    li.className = `canned-item${i === active ? " active" : ""}`;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", i === active ? "true" : "false");
    li.dataset.id = reply.id;
    const title = document.createElement("strong");
    title.textContent = reply.title;
    const text = document.createElement("span");
    text.textContent = ` ${reply.text}`;
    li.append(title, text);
    li.addEventListener("mousedown", (event) => {
      event.preventDefault(); // keep the focus in the box
      pick(i);
    });
    return li;
  }));
  list.hidden = shown.length === 0;
}

function pick(i) {
  const reply = shown[i];
  if (!reply) return;
  box.value = reply.text;
  box.dispatchEvent(new Event("input"));
  close();
  box.focus();
}

box.addEventListener("input", async () => {
  if (!box.value.startsWith("/") || box.value.includes("\n")) {
    close();
    return;
  }
  const wanted = box.value.slice(1).trim().toLowerCase();
  let all;
  try {
    all = await load();
  } catch (_err) {
    return;
  }
  shown = all.filter((r) => !wanted || `${r.id} ${r.title} ${r.text}`.toLowerCase().includes(wanted));
  active = 0;
  render();
});

// Captured at the form, before the box's own Enter-sends handler sees the key.
$("reply-form").addEventListener("keydown", (event) => {
  if (list.hidden || event.target !== box) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
    render();
  } else if (event.key === "Enter" || event.key === "Tab") {
    pick(active);
  } else if (event.key === "Escape") {
    close();
  } else {
    return;
  }
  event.preventDefault();
  event.stopPropagation();
}, true);

document.addEventListener("omnicanal:conversation", (event) => {
  if ((event.detail || {}).customer_id !== loadedFor) close();
});
