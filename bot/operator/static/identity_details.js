// What tells two identities of one channel apart in the profile panel (a customer's
// laptop and phone, both on the web chat): the device their last message came from,
// when the channel could tell, and when the identity first wrote to us.

const desk = () => window.omnicanalOperator;
const firstSeenFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function line(className, text, title) {
  const node = document.createElement("div");
  node.className = className;
  node.textContent = text;
  if (title) node.title = title;
  return node;
}

document.addEventListener("omnicanal:identity", (event) => {
  const { li, ident } = event.detail || {};
  if (!li || !ident) return;
  if (typeof ident.device === "string" && ident.device) {
    li.appendChild(line("identity-device", ident.device, "Device"));
  }
  const seen = Number(ident.first_seen);
  if (Number.isFinite(seen) && seen > 0) {
    const at = new Date(seen * 1000);
    li.appendChild(line("identity-seen", `first seen ${desk().ago(seen)}`, firstSeenFormat.format(at)));
  }
});
