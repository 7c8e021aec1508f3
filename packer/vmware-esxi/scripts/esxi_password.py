"""ESXi's default root password rules, checked before a build.

An install whose `rootpw` breaks them fails inside the VM, after a long wait
(docs/packer.md). Defaults of ESXi 6.7/7.0/8.0 (Security.PasswordQualityControl
`retry=3 min=disabled,disabled,disabled,7,7`): at least 7 and fewer than 40
characters, from at least three of the classes lower case, upper case,
digits and other characters, where an upper-case first character and a digit
as last character do not count; 7.0+ also refuse the user name in the
password. The dictionary-word rule cannot be checked here.
"""

MIN_LENGTH = 7
MAX_LENGTH = 39
FORBIDDEN = "\"'\\"


def password_problems(password):
    problems = []
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.append("must be %d to %d characters long (has %d)"
                        % (MIN_LENGTH, MAX_LENGTH, len(password)))
    if any(ord(c) < 33 or ord(c) > 126 or c in FORBIDDEN for c in password):
        problems.append("may only hold printable ASCII characters without spaces, quotes or "
                        "backslashes (it is written on the kickstart's rootpw line)")
    counted = password
    if counted[:1].isupper():
        counted = counted[1:]
    if counted[-1:].isdigit():
        counted = counted[:-1]
    classes = sum([
        any(c.islower() for c in counted),
        any(c.isupper() for c in counted),
        any(c.isdigit() for c in counted),
        any(not c.isalnum() for c in counted),
    ])
    if classes < 3:
        problems.append("must mix at least 3 of: lower case, upper case, digits, other "
                        "characters (a leading capital and a trailing digit do not count)")
    if "root" in password.lower():
        problems.append("must not contain the user name 'root'")
    return problems
