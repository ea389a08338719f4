"""The title of a group of failed records: the newest message's first line, said of no one record. "client 8
is not synced yet" becomes "The client is not synced yet", so the title is what every record of the group
shares and reads as a sentence."""

from __future__ import annotations

import re
from collections.abc import Iterable


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NOUNS = ("client|contact|lead|project|ticket|invoice|product|group|unit|currency|warehouse|order|payment|party|"
          "customer|item|account|record|id|twin")
# a record's id in a message: after the name of a kind of record ("client 27", "record C00012", "id 4711",
# "clients 44", "invoice no. 7"), with the word before it when there is one
_RECORD_ID = re.compile(
    rf"(?P<pre>\b[\w-]+\s+)?\b(?P<noun>{_NOUNS})s?\s+(?:no\.?\s*|#\s*)?[A-Za-z]{{0,4}}[-_]?\d[\w.-]*",
    re.IGNORECASE)
#: words after which the noun needs no article of its own ("a new contact", "the client")
_DETERMINERS = _words("a an the this that these those its their his her our your one another same new each "
                         "every any some no")
#: words after which the record is "the ..." ("for the client", "update of the record")
_LINKING = _words("of for to from with by in on at as and or into onto than about cannot translate update "
                     "updating create creating delete deleting read find saved altered created refused rejected "
                     "archive archived link linked holds hold gone is are was were")
_DOUBLED = re.compile(r"\b(the|a|an)\s+the\b", re.IGNORECASE)
_EMPTY_BRACKETS = re.compile(r"\s*\(\s*\)")


def _said_of_no_one(match: re.Match[str]) -> str:
    pre, noun = match["pre"] or "", match["noun"]
    noun = noun if noun.isupper() else noun.lower()  # "ID" stays, "Client" at the start becomes "the client"
    word = pre.strip().lower()
    if noun.lower() == "id":  # "no record with id 4711": the id is what differs, "this id" says so
        return f"{pre}{noun}" if word in _DETERMINERS else f"{pre}this {noun}"
    if word in _DETERMINERS:
        return f"{pre}{noun}"
    if not pre or word in _LINKING or word.endswith(":"):
        return f"{pre}the {noun}"
    if match.start() == 0:  # "product group 4 ..." at the start: "the product group ..."
        return f"the {pre.lower() if not pre.strip().isupper() else pre}{noun}"
    return f"{pre}{noun}"


def group_title(message: str, own_ids: Iterable[str] = ()) -> str:
    """The first line of a message said of no one record: "client 8 is not synced yet" -> "The client is not
    synced yet", "update of 4711 failed" (4711 one of `own_ids`, the record's own ids) -> "Update of the
    record failed". Other numbers (an ISO standard, an HTTP status, a version) stay."""
    text = re.sub(r"\s+", " ", message.strip().split("\n", 1)[0])
    text = _RECORD_ID.sub(_said_of_no_one, text)
    for own in sorted({i for i in own_ids if i}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(own)}(?![\w-])", "the record", text)
    text = _DOUBLED.sub(lambda m: m.group(1), _EMPTY_BRACKETS.sub("", text))
    return text[:1].upper() + text[1:]
