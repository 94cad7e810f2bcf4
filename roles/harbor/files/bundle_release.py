"""Read which Harbor release an offline installer holds, from the bundle itself.

Usage: bundle_release.py <harbor-offline-installer-*.tgz>
Prints JSON: {"version": "v2.12.4", "release": "2.12.4", "yml_version": "2.12.0"}
- version: from the image archive harbor/harbor.<version>.tar.gz (Harbor's Makefile names it after
  VERSIONTAG, the tag the compose file runs); release: its X.Y.Z;
- yml_version: the `_version` of harbor/harbor.yml.tmpl, the harbor.yml schema this prepare reads.
Exits 1 with a message when the archive lacks either (not a Harbor offline installer).
"""

from __future__ import annotations

import json
import re
import sys
import tarfile

IMAGES = re.compile(r"^harbor/harbor\.(v(\d+\.\d+\.\d+)[^/]*)\.tar\.gz$")
YML_VERSION = re.compile(r"^_version:\s*['\"]?(\d+\.\d+\.\d+)['\"]?\s*$", re.MULTILINE)


def read(path):
    found = {}
    # streamed: one pass over the archive, nothing unpacked to disk
    with tarfile.open(path, "r|gz") as archive:
        for member in archive:
            match = IMAGES.match(member.name)
            if match:
                found["version"], found["release"] = match.group(1), match.group(2)
            elif member.name == "harbor/harbor.yml.tmpl" and member.isfile():
                text = archive.extractfile(member).read().decode("utf-8", "replace")
                version = YML_VERSION.search(text)
                if version:
                    found["yml_version"] = version.group(1)
    return found


def main(argv):
    if len(argv) != 2:
        print("usage: bundle_release.py <harbor-offline-installer-*.tgz>", file=sys.stderr)
        return 2
    try:
        found = read(argv[1])
    except (OSError, tarfile.TarError) as exc:
        print("is not a Harbor offline installer (not a readable .tgz: %s)" % exc, file=sys.stderr)
        return 1
    wanted = (("version", "harbor/harbor.v<version>.tar.gz"), ("yml_version", "harbor/harbor.yml.tmpl with a _version"))
    missing = [what for key, what in wanted if key not in found]
    if missing:
        print("is not a Harbor offline installer: no %s" % " and no ".join(missing), file=sys.stderr)
        return 1
    print(json.dumps(found, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
