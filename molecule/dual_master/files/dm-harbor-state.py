"""Print what one Harbor node holds, as JSON: projects, users, system and project robots, every
artifact (repository, digest, tags), replication endpoints and policies. Used by the backup/restore
drill (backup_restore.yml) and the add/remove-a-node run (scale.yml).
    python3 dm-harbor-state.py <https://node> <CA file>    (admin password in HARBOR_PASSWORD)"""

import base64
import json
import os
import ssl
import sys
import urllib.parse
import urllib.request


def main():
    url, ca_file = sys.argv[1].rstrip("/"), sys.argv[2]
    auth = base64.b64encode(f"admin:{os.environ['HARBOR_PASSWORD']}".encode()).decode()
    ctx = ssl.create_default_context(cafile=ca_file)

    def get_all(path, **params):
        items, page = [], 1
        while True:
            query = urllib.parse.urlencode({**params, "page": page, "page_size": 100})
            req = urllib.request.Request(f"{url}/api/v2.0{path}?{query}", headers={"Authorization": f"Basic {auth}"})
            with urllib.request.urlopen(req, context=ctx, timeout=30) as resp:
                batch = json.load(resp)
            items += batch
            if len(batch) < 100:
                return items
            page += 1

    projects = get_all("/projects")
    robots = [r["name"] for r in get_all("/robots")]
    artifacts = {}
    for project in projects:
        robots += [r["name"] for r in get_all("/robots", q=f"Level=project,ProjectID={project['project_id']}")]
        for repo in get_all(f"/projects/{project['name']}/repositories"):
            short = repo["name"].split("/", 1)[1]
            quoted = urllib.parse.quote(urllib.parse.quote(short, safe=""), safe="")
            for art in get_all(f"/projects/{project['name']}/repositories/{quoted}/artifacts", with_tag="true"):
                tags = sorted(t["name"] for t in art.get("tags") or [])
                artifacts[f"{repo['name']}@{art['digest']}"] = tags
    state = {
        "projects": sorted(p["name"] for p in projects),
        "users": sorted(u["username"] for u in get_all("/users")),
        "robots": sorted(robots),
        "artifacts": artifacts,
        "registries": sorted(r["name"] for r in get_all("/registries")),
        "policies": sorted(p["name"] for p in get_all("/replication/policies")),
    }
    json.dump(state, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
