"""A reader for the YAML that MAAS's vendor-data is made of.

ESXi has no PyYAML. MAAS renders vendor-data with PyYAML's `safe_dump`
twice: the inner `#cloud-config` document, then {"cloud-init": <that text>}
(metadataserver/api.py `vendor_data`). This reads what safe_dump writes:
block mappings and sequences (including sequences not indented under their
key), plain scalars (also wrapped over several lines), single- and
double-quoted scalars with line folding and escapes, flow collections (older
PyYAML wrote leaf collections in flow style), literal/folded block scalars,
and YAML 1.1 scalar types (yes/no/on/off are booleans, 0644 is octal).
Anchors, aliases and tags are refused with YamlSubsetError.
"""

import re
from collections import OrderedDict


class YamlSubsetError(ValueError):
    pass


_BOOL = {
    "yes": True, "Yes": True, "YES": True, "true": True, "True": True, "TRUE": True,
    "on": True, "On": True, "ON": True,
    "no": False, "No": False, "NO": False, "false": False, "False": False, "FALSE": False,
    "off": False, "Off": False, "OFF": False,
}
_NULL = ("", "~", "null", "Null", "NULL")
_INT_DEC = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_INT_OCT = re.compile(r"^[-+]?0[0-7_]+$")
_INT_HEX = re.compile(r"^[-+]?0x[0-9a-fA-F_]+$")
_INT_BIN = re.compile(r"^[-+]?0b[0-1_]+$")
_FLOAT = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
    "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def resolve_plain(text):
    """YAML 1.1 implicit types, as PyYAML's SafeLoader resolves them."""
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-").replace("_", "")
    if _INT_HEX.match(text):
        return sign * int(digits[2:], 16)
    if _INT_BIN.match(text):
        return sign * int(digits[2:], 2)
    if _INT_OCT.match(text):
        return sign * int(digits, 8)
    if _INT_DEC.match(text):
        return sign * int(digits)
    if _FLOAT.match(text) and text not in (".", "-.", "+."):
        return float(text.replace("_", ""))
    if text.lower() in (".inf", "+.inf"):
        return float("inf")
    if text.lower() == "-.inf":
        return float("-inf")
    if text.lower() == ".nan":
        return float("nan")
    return text


def _fold_quoted(body, double):
    """Unescape a quoted scalar's body and fold its line breaks (YAML §7.3)."""
    out = []
    i, n = 0, len(body)
    while i < n:
        char = body[i]
        if double and char == "\\":
            nxt = body[i + 1] if i + 1 < n else ""
            if nxt == "\n":  # escaped line break: join without a space
                i += 2
                while i < n and body[i] in " \t":
                    i += 1
                continue
            if nxt in _HEX_ESCAPES:
                width = _HEX_ESCAPES[nxt]
                out.append(chr(int(body[i + 2:i + 2 + width], 16)))
                i += 2 + width
                continue
            if nxt not in _ESCAPES:
                raise YamlSubsetError("unknown escape \\%s" % nxt)
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        if not double and char == "'" and body[i + 1:i + 2] == "'":
            out.append("'")
            i += 2
            continue
        if char == "\n":
            while out and out[-1] in (" ", "\t"):
                out.pop()
            breaks = 0
            while i < n and body[i] in " \t\n":
                if body[i] == "\n":
                    breaks += 1
                i += 1
            out.append(" " if breaks == 1 else "\n" * (breaks - 1))
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _find_closing_quote(text, start, quote):
    """Index of the quote closing the scalar opened at text[start], or -1."""
    i = start + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            if quote == "'" and text[i + 1:i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return -1


class _FlowParser(object):
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def ws(self):
        while self.pos < len(self.text) and self.text[self.pos] in " \t\n":
            self.pos += 1

    def value(self):
        self.ws()
        char = self.text[self.pos:self.pos + 1]
        if char == "[":
            self.pos += 1
            items = []
            while True:
                self.ws()
                if self.text[self.pos:self.pos + 1] == "]":
                    self.pos += 1
                    return items
                items.append(self.value())
                self.ws()
                if self.text[self.pos:self.pos + 1] == ",":
                    self.pos += 1
        if char == "{":
            self.pos += 1
            mapping = OrderedDict()
            while True:
                self.ws()
                if self.text[self.pos:self.pos + 1] == "}":
                    self.pos += 1
                    return mapping
                key = self.value()
                self.ws()
                if self.text[self.pos:self.pos + 1] != ":":
                    raise YamlSubsetError("expected ':' in flow mapping")
                self.pos += 1
                mapping[key] = self.value()
                self.ws()
                if self.text[self.pos:self.pos + 1] == ",":
                    self.pos += 1
        if char in ("'", '"'):
            end = _find_closing_quote(self.text, self.pos, char)
            if end < 0:
                raise YamlSubsetError("unterminated quoted scalar")
            body = self.text[self.pos + 1:end]
            self.pos = end + 1
            return _fold_quoted(body, char == '"')
        start = self.pos
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in ",]}" or (char == ":" and self.text[self.pos + 1:self.pos + 2] in (" ", ",", "]", "}", "\n", "")):
                break
            self.pos += 1
        return resolve_plain(re.sub(r"\s+", " ", self.text[start:self.pos]).strip())


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _strip_comment(text):
    match = re.search(r"\s#", text)
    return text[:match.start()] if match else text


class _BlockParser(object):
    def __init__(self, text):
        self.lines = text.replace("\r\n", "\n").split("\n")
        self.i = 0

    def skip_blank(self):
        while self.i < len(self.lines):
            stripped = self.lines[self.i].strip()
            if stripped and not stripped.startswith("#") and stripped != "---":
                return True
            self.i += 1
        return False

    def key_split(self, content):
        """(key, rest) if `content` starts a mapping entry, else None."""
        if content[:1] in ("'", '"'):
            end = _find_closing_quote(content, 0, content[0])
            if end < 0:
                return None
            after = content[end + 1:]
            if after.startswith(":") and (len(after) == 1 or after[1] in " \t"):
                return _fold_quoted(content[1:end], content[0] == '"'), after[1:].strip()
            return None
        if content[:1] in ("[", "{", "|", ">", "#", "&", "*", "!", "%", "@", "`", ",", "?"):
            return None
        if content == "-" or content.startswith("- "):
            return None
        match = re.match(r"^([^#]*?):(\s|$)", content)
        if not match:
            return None
        return resolve_plain(match.group(1).strip()), content[match.end():].strip()

    def node(self, min_indent):
        if not self.skip_blank():
            return None
        line = self.lines[self.i]
        indent = _indent(line)
        if indent < min_indent:
            return None
        content = line.strip()
        if content.startswith(("&", "*", "!")):
            raise YamlSubsetError("anchors, aliases and tags are not supported (line %d)" % (self.i + 1))
        if content == "-" or content.startswith("- "):
            return self.sequence(indent)
        if self.key_split(content) is not None:
            return self.mapping(indent)
        self.i += 1
        return self.inline(content, indent - 1)

    def after_key(self, indent):
        """Value of `key:` with nothing after the colon."""
        if not self.skip_blank():
            return None
        line = self.lines[self.i]
        next_indent, content = _indent(line), line.strip()
        if next_indent > indent:
            return self.node(indent + 1)
        if next_indent == indent and (content == "-" or content.startswith("- ")):
            return self.sequence(indent)  # PyYAML does not indent a mapping's sequences
        return None

    def mapping(self, indent):
        result = OrderedDict()
        while self.skip_blank():
            line = self.lines[self.i]
            if _indent(line) != indent:
                break
            split = self.key_split(line.strip())
            if split is None:
                break
            key, rest = split
            self.i += 1
            if rest == "" or rest.startswith("#"):
                result[key] = self.after_key(indent)
            else:
                result[key] = self.inline(rest, indent)
        return result

    def sequence(self, indent):
        items = []
        while self.skip_blank():
            line = self.lines[self.i]
            content = line.strip()
            if _indent(line) != indent or not (content == "-" or content.startswith("- ")):
                break
            rest = content[1:].lstrip()
            if rest == "":
                self.i += 1
                items.append(self.node(indent + 1))
                continue
            column = indent + (len(content) - len(rest))
            if rest.startswith("- ") or rest == "-" or self.key_split(rest) is not None:
                self.lines[self.i] = " " * column + rest  # re-read the item as its own block
                items.append(self.node(column))
            else:
                self.i += 1
                items.append(self.inline(rest, indent))
        return items

    def continuation(self, parent_indent):
        """Following lines that belong to a multi-line scalar (more indented or blank)."""
        taken = []
        while self.i < len(self.lines):
            line = self.lines[self.i]
            if line.strip() and _indent(line) <= parent_indent:
                break
            taken.append(line)
            self.i += 1
        while taken and not taken[-1].strip():
            taken.pop()
            self.i -= 1
        return taken

    def inline(self, text, parent_indent):
        """A value that starts on the current line after `key:` or `- `."""
        if text[:1] in ("&", "*", "!"):
            raise YamlSubsetError("anchors, aliases and tags are not supported (line %d)" % self.i)
        if text[:1] in ("'", '"'):
            joined = text
            while _find_closing_quote(joined, 0, text[0]) < 0:
                if self.i >= len(self.lines):
                    raise YamlSubsetError("unterminated quoted scalar")
                joined += "\n" + self.lines[self.i]
                self.i += 1
            end = _find_closing_quote(joined, 0, text[0])
            return _fold_quoted(joined[1:end], text[0] == '"')
        if text[:1] in ("[", "{"):
            joined = text
            while True:
                try:
                    parser = _FlowParser(joined)
                    value = parser.value()
                    return value
                except (IndexError, YamlSubsetError, ValueError):
                    if self.i >= len(self.lines):
                        raise YamlSubsetError("unterminated flow collection")
                    joined += "\n" + self.lines[self.i]
                    self.i += 1
        if text[:1] in ("|", ">"):
            return self.block_scalar(text, parent_indent)
        parts = [_strip_comment(text).strip()]
        for line in self.continuation(parent_indent):
            parts.append(line.strip())
        if len(parts) == 1:
            return resolve_plain(parts[0])
        folded = []
        for part in parts:
            if not part:
                folded.append("\n")
            elif folded and folded[-1] != "\n":
                folded.append(" " + part)
            else:
                folded.append(part)
        return "".join(folded)

    def block_scalar(self, header, parent_indent):
        match = re.match(r"^([|>])([1-9])?([-+])?([1-9])?\s*(#.*)?$", header)
        if not match:
            raise YamlSubsetError("bad block scalar header %r" % header)
        style, chomp = match.group(1), match.group(3) or ""
        explicit = match.group(2) or match.group(4)
        lines = self.continuation(parent_indent)
        # Trailing blank lines belong to the scalar for chomping purposes.
        while self.i < len(self.lines) and not self.lines[self.i].strip():
            lines.append("")
            self.i += 1
        if explicit:
            width = max(parent_indent, 0) + int(explicit)
        else:
            non_blank = [_indent(l) for l in lines if l.strip()]
            width = min(non_blank) if non_blank else 0
        body = [l[width:] for l in lines]
        while body and body[-1] == "":
            body.pop()
        trailing = len(lines) - len(body)
        if style == "|":
            text = "\n".join(body)
        else:
            text = ""
            for index, line in enumerate(body):
                if index == 0:
                    text = line
                elif line == "" or line.startswith(" ") or body[index - 1] == "" or body[index - 1].startswith(" "):
                    text += "\n" + line
                else:
                    text += " " + line
        if not body:
            return "" if chomp != "+" else "\n" * trailing
        if chomp == "-":
            return text
        if chomp == "+":
            return text + "\n" * (trailing + 1)
        return text + "\n"


def loads(text):
    """Parse one YAML document (the subset described above)."""
    parser = _BlockParser(text)
    value = parser.node(0)
    if parser.skip_blank() and parser.lines[parser.i].strip() != "...":
        raise YamlSubsetError("unexpected content at line %d: %r"
                              % (parser.i + 1, parser.lines[parser.i].strip()[:60]))
    return value
