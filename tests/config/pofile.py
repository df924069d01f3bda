"""A small reader of gettext .po files (no third-party dependency): entries with their flags,
msgctxt, msgid, msgid_plural and msgstr forms; obsolete (`#~`) entries and the header are skipped."""
import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None  # a context ("order status") tells apart two meanings of one msgid
    msgid_plural: str | None = None
    msgstr: dict = field(default_factory=dict)  # plural index -> text (0 for a singular entry)
    flags: set = field(default_factory=set)

    @property
    def translated(self):
        return bool(self.msgstr) and all(self.msgstr.values())


def read(path: Path) -> list[Entry]:
    entries, entry, key = [], Entry(), None

    def close():
        if key is not None and entry.msgid:
            entries.append(entry)

    for line in Path(path).read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            close()
            entry, key = Entry(), None
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if isinstance(key, int):
                entry.msgstr[key] += text
            elif key == "msgid":
                entry.msgid += text
            elif key == "msgctxt":
                entry.msgctxt += text
            else:
                entry.msgid_plural += text
        else:
            keyword, value = line.split(" ", 1)
            text = ast.literal_eval(value)
            if keyword == "msgctxt":
                key, entry.msgctxt = "msgctxt", text
            elif keyword == "msgid":
                key, entry.msgid = "msgid", text
            elif keyword == "msgid_plural":
                key, entry.msgid_plural = "msgid_plural", text
            else:  # msgstr or msgstr[n]
                key = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
                entry.msgstr[key] = text
    return entries
