"""First-boot configuration of a MAAS-deployed VMware ESXi host.

Runs on the deployed host with ESXi's own Python (3.5 on ESXi 6.7, 3.8 on
7.0+) and nothing else: standard library only, no f-strings, no variable
annotations (checked by test/recipe/python/test_py35_syntax.py).
"""

VERSION = "1.0.0"
