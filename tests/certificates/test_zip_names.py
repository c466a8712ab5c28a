"""Issue 12, item 7: the event's certificate ZIP holds files named by holder and number:
safe on every system, Cyrillic and Kazakh kept, never two alike."""

from __future__ import annotations

import io
import zipfile

from school.certificates import services, zipnames
from school.extensions import db


def test_names_are_safe_and_unique():
    taken: set[str] = set()
    assert zipnames.archive_name("Әбілқайырова Айгерім", "ФПРК-2026-000001", taken) == \
        "Әбілқайырова Айгерім_ФПРК-2026-000001.pdf"
    assert zipnames.archive_name('../..\\Ив<ан>ов: "А"/Б?', "N-1", taken) == \
        "Ив ан ов А Б_N-1.pdf"
    assert zipnames.archive_name("  .  ", "N-2", taken) == "N-2.pdf"
    assert zipnames.archive_name("CON", "N-3", taken) == "N-3.pdf"
    # Two holders whose names fold to one file name: the second gets a counter.
    assert zipnames.archive_name("Иванов", "N-4", taken) == "Иванов_N-4.pdf"
    assert zipnames.archive_name("ИВАНОВ", "N-4", taken) == "ИВАНОВ_N-4 (2).pdf"
    long = zipnames.archive_name("Ж" * 500, "N-5", taken)
    assert len(long) <= zipnames.MAX_STEM + len(".pdf") and long.endswith("_N-5.pdf")


def test_the_zip_holds_files_named_by_holder_and_number(client, login, make_user,
                                                        finished_event, completed):
    event = finished_event()
    enrollments = [completed(event, full_name=name)
                   for name in ("Әбілқайырова Айгерім Нұрланқызы", "Иванов/Петров Иван")]
    numbers = sorted(services.issue_certificate(e).number for e in enrollments)
    db.session.commit()
    login(make_user("admin"))
    response = client.get(f"/events/{event.id}/certificates.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    assert len(names) == 2 == len(set(names))
    assert any(n.startswith("Әбілқайырова Айгерім Нұрланқызы_") for n in names), names
    assert any(n.startswith("Иванов Петров Иван_") for n in names), names
    assert all("/" not in n and n.endswith(".pdf") for n in names)
    assert sorted(n.rsplit("_", 1)[1][:-4] for n in names) == numbers
    assert all(archive.read(n).startswith(b"%PDF") for n in names)
