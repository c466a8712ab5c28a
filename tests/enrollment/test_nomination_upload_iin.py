"""A nomination list shows the same page whether a stranger's IIN matches or not."""

from __future__ import annotations

import io
import re


def _upload(client, event, text: str):
    return client.post(f"/events/{event.id}/nominate/upload", data={
        "file": (io.BytesIO(text.encode("utf-8-sig")), "list.csv")},
        content_type="multipart/form-data")


def test_a_list_cannot_confirm_a_strangers_iin(client, login, make_user, make_event, org_tree):
    coordinator = make_user("coordinator", branch=org_tree["a"])
    stranger = make_user(branch=org_tree["b"], email="stranger@example.kz",
                         iin="850425300126")
    event = make_event()
    login(coordinator)
    header = "full_name,email,iin,phone,primary_org,category\n"
    right = _upload(client, event, header + f"X Y,{stranger.email},850425300126,,,chair\n")
    wrong = _upload(client, event, header + f"X Y,{stranger.email},900103400560,,,chair\n")
    assert right.status_code == wrong.status_code == 200

    def shown(page) -> str:
        text = page.get_data(as_text=True)
        return re.sub(r'name="csrf_token"[^>]*>', "", text)

    # The very same page whether the IIN matches or not.
    assert shown(right) == shown(wrong)
