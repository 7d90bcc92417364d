// Editing a customer's profile and tags from the profile panel, for operators with write
// rights (supervisors, and operators with edit_profiles in config.yaml). The edit is an
// operator action like a reply: the history records who changed what.

const desk = () => window.omnicanalOperator;
const $ = (id) => document.getElementById(id);
const FIELDS = ["name", "email", "phone", "locale"];
let current = null;

function mayEdit() {
  const me = desk().state.me;
  return Boolean(me && me.editProfiles);
}

function fill(profile) {
  for (const name of FIELDS) $(`edit-${name}`).value = profile[name] || "";
  $("edit-tags").value = (profile.tags || []).join(", ");
}

document.addEventListener("omnicanal:conversation", (event) => {
  const conv = event.detail || {};
  const changed = !current || current.customer_id !== conv.customer_id;
  current = conv;
  $("profile-edit").hidden = !mayEdit();
  if (changed) $("profile-form").hidden = true;
});

$("profile-edit").addEventListener("click", () => {
  if (!current) return;
  fill(current.profile || {});
  $("profile-form").hidden = false;
  $("edit-name").focus();
});

$("edit-cancel").addEventListener("click", () => {
  $("profile-form").hidden = true;
});

$("profile-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const before = (current && current.profile) || {};
  const profile = {};
  for (const name of FIELDS) {
    const value = $(`edit-${name}`).value.trim();
    if (value !== (before[name] || "")) profile[name] = value;
  }
  const tags = $("edit-tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  if (tags.join(",") !== (before.tags || []).join(",")) profile.tags = tags;
  if (!Object.keys(profile).length) {
    $("profile-form").hidden = true;
    return;
  }
  const ok = await desk().act("profile", { profile }, { success: "Profile saved." });
  if (ok) $("profile-form").hidden = true;
});
