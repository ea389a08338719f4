"""Titles of the Errors page's groups: said of no one record, and read as a sentence."""

from __future__ import annotations

import pytest

from erpsync_gui.store.error_titles import group_title


@pytest.mark.parametrize(("message", "own_ids", "title"), [
    ("client 8 is not synced yet", ("40",), "The client is not synced yet"),
    ("product group 4 is not synced yet", (), "The product group is not synced yet"),
    ("clients 123 does not exist in the ERP", ("123",), "The client does not exist in the ERP"),
    ("cannot translate client 8: no lookup resolver", (), "Cannot translate the client: no lookup resolver"),
    ("Siagh saved contact 12 as a new contact C-9 instead of updating it", ("12",),
     "Siagh saved the contact as a new contact instead of updating it"),
    ("the Payamgostar connector does not delete records: 55 stays", ("55",),
     "The Payamgostar connector does not delete records: the record stays"),
    ("update of 4711: HTTP 422", ("4711",), "Update of the record: HTTP 422"),
    ("clients 44 changed in the ERP since it was read (version 3)", ("44",),
     "The client changed in the ERP since it was read (version 3)"),
    ("record C00012 is locked", (), "The record is locked"),
    ("No record with id 4711", (), "No record with this id"),
    ("Client 8 refused\nsecond line", (), "The client refused"),
    ("the ERP refused the country 'Romania' of client 27: use a two-letter ISO 3166 code", ("27",),
     "The ERP refused the country 'Romania' of the client: use a two-letter ISO 3166 code"),
    ("invoice no. 7 is gone from Tryton", (), "The invoice is gone from Tryton"),
])
def test_a_title_names_no_record_and_reads_as_a_sentence(message, own_ids, title):
    assert group_title(message, own_ids) == title
    assert "#" not in group_title(message, own_ids)


def test_numbers_that_are_not_record_ids_stay():
    assert group_title("ISO 3166 code; HTTP 422") == "ISO 3166 code; HTTP 422"
    assert group_title("the Tryton company 3 does not exist") == "The Tryton company 3 does not exist"
