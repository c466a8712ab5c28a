// Region → union → branch → organisation: reload the dependent lists when a choice changes.
(function () {
  "use strict";
  const box = document.querySelector("[data-org-cascade]");
  if (!box) return;
  const region = box.querySelector("select[name=region_id]");
  const union = box.querySelector("select[name=union_id]");
  const branch = box.querySelector("select[name=branch_id]");
  const org = box.querySelector("select[name=primary_org_id]");
  const blank = box.dataset.blank;

  function fill(select, items) {
    const keep = select.value;
    select.replaceChildren(new Option(blank, ""));
    for (const item of items) select.add(new Option(item.name, item.id));
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  async function load(url, params) {
    const query = new URLSearchParams(params);
    const response = await fetch(url + "?" + query, { headers: { Accept: "application/json" } });
    return response.ok ? response.json() : [];
  }

  async function reloadBranches() {
    const items = union.value
      ? await load(box.dataset.branchesUrl, { union_id: union.value, region_id: region.value })
      : [];
    fill(branch, items);
    await reloadOrgs();
  }

  async function reloadOrgs() {
    const items = branch.value ? await load(box.dataset.orgsUrl, { branch_id: branch.value }) : [];
    fill(org, items);
  }

  region.addEventListener("change", reloadBranches);
  union.addEventListener("change", reloadBranches);
  branch.addEventListener("change", reloadOrgs);
})();
