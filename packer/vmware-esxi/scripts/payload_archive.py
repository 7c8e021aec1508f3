"""Build maas-esxi.pyz: the first-boot payload as one runnable zip.

ESXi runs `python maas-esxi.pyz firstboot` (zipimport is built into every
Python 3). One small file fits easily on ESXi 6.7's 4 MiB partition 1 and
is copied atomically by the curtin hook. The package's .py and .json files
go in (first_boot_steps.json is read with pkgutil). Entries are sorted and dated
1980-01-01 so the same sources give the same bytes.
"""

import os
import zipfile

BOOTSTRAP = (
    "import sys\n"
    "from maas_esxi.__main__ import main\n"
    "sys.exit(main())\n"
)
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def _add(archive, name, data):
    info = zipfile.ZipInfo(name, FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def build(package_dir, output):
    """Zip the `maas_esxi` package at `package_dir` into `output`; returns the names."""
    names = []
    with zipfile.ZipFile(output, "w") as archive:
        _add(archive, "__main__.py", BOOTSTRAP)
        names.append("__main__.py")
        for filename in sorted(os.listdir(package_dir)):
            # .json: first_boot_steps.json, the first-boot contract the payload reads.
            if filename.endswith((".py", ".json")):
                with open(os.path.join(package_dir, filename), "rb") as handle:
                    name = "maas_esxi/" + filename
                    _add(archive, name, handle.read())
                    names.append(name)
    if "maas_esxi/__main__.py" not in names:
        raise ValueError("%s is not the maas_esxi package" % package_dir)
    return names
