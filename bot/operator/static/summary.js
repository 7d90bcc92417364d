// The summary at the top of a conversation with (or waiting for) a person: flow and step,
// the answers so far, why it came to a person, the last messages; and, when the model is
// configured (handoff.generated_summary), a generated summary fetched once per opening.
// A failed generated summary leaves the structured one alone.

const desk = () => window.omnicanalOperator;
const box = document.getElementById("conv-summary");
let generatedFor = null;

function node(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = String(text);
  return n;
}

function row(label, value) {
  const div = node("div", "summary-row");
  div.appendChild(node("span", "summary-label", label));
  div.appendChild(node("span", "summary-value", value));
  return div;
}

function render(summary) {
  const parts = [node("h2", "summary-title", "Summary")];
  if (summary.flow) {
    parts.push(row("Flow", summary.step ? `${summary.flow} · ${summary.step}` : summary.flow));
  }
  if (summary.reason) parts.push(row("Why a person", summary.reason));
  const answers = Array.isArray(summary.answers) ? summary.answers : [];
  if (answers.length) {
    const list = node("dl", "summary-answers");
    for (const answer of answers) {
      list.appendChild(node("dt", null, answer.title));
      list.appendChild(node("dd", null, answer.value));
    }
    parts.push(list);
  }
  const last = Array.isArray(summary.last_messages) ? summary.last_messages : [];
  if (last.length) {
    const list = node("ol", "summary-last");
    for (const message of last) {
      const li = node("li", `summary-message ${String(message.author).split(":")[0]}`);
      li.textContent = `${message.author === "customer" ? "Customer" : "Reply"}: ${message.text}`;
      list.appendChild(li);
    }
    parts.push(list);
  }
  const generated = node("p", "summary-generated");
  generated.id = "summary-generated";
  generated.hidden = true;
  parts.push(generated);
  box.replaceChildren(...parts);
}

async function loadGenerated(id) {
  generatedFor = id;
  try {
    const data = await desk().api("GET", `/conversations/${encodeURIComponent(id)}/summary`);
    const target = document.getElementById("summary-generated");
    if (!target || desk().state.openId !== id || !data || typeof data.generated !== "string") return;
    target.textContent = data.generated;
    target.hidden = false;
  } catch (_err) {
    // The structured summary stays; nothing else to do.
  }
}

document.addEventListener("omnicanal:conversation", (event) => {
  const conv = event.detail || {};
  const summary = conv.summary && typeof conv.summary === "object" ? conv.summary : null;
  const mode = conv.session && conv.session.mode;
  if (!summary || (mode !== "human" && mode !== "queued")) {
    box.hidden = true;
    generatedFor = null;
    return;
  }
  const previous = document.getElementById("summary-generated");
  const kept = previous && !previous.hidden && generatedFor === conv.customer_id ? previous.textContent : null;
  render(summary);
  box.hidden = false;
  if (kept) {
    const target = document.getElementById("summary-generated");
    target.textContent = kept;
    target.hidden = false;
  } else if (conv.summary_generated && mode === "human" && generatedFor !== conv.customer_id) {
    loadGenerated(conv.customer_id);
  }
});
